// Every awaited Redis call gets a deadline (STYLE rule 12), timed by the injected Clock (the system clock unless given).
import { ChainfanError, type ChainfanErrorCode, type Clock, systemClock } from '@chainfan/protocol';

export function withDeadline<T>(p: Promise<T>, ms: number, code: ChainfanErrorCode, what: string, clock: Pick<Clock, 'setTimeout'> = systemClock): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cancel = clock.setTimeout(() => {
      // the late outcome of `p` is irrelevant once the caller has been told it timed out
      p.catch(() => undefined);
      reject(new ChainfanError(code, `${what} timed out after ${ms} ms`));
    }, ms);
    p.then(
      (v) => {
        cancel();
        resolve(v);
      },
      (err: unknown) => {
        cancel();
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
