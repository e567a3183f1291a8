// Every awaited Redis call gets a deadline (STYLE rule 12).
import { ChainfanError, type ChainfanErrorCode } from '@chainfan/protocol';

export function withDeadline<T>(p: Promise<T>, ms: number, code: ChainfanErrorCode, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      // the late outcome of `p` is irrelevant once the caller has been told it timed out
      p.catch(() => undefined);
      reject(new ChainfanError(code, `${what} timed out after ${ms} ms`));
    }, ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
