// Process lifecycle for every role: one shutdown on the first SIGTERM/SIGINT, a hard exit on the second.
import type { Logger } from '@chainfan/telemetry';

export function closeOnSignal(log: Logger, close: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ event: 'process.forced_exit', signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ event: 'process.stopping', signal }, 'shutting down');
    close().then(
      () => {
        log.info({ event: 'process.stopped' }, 'stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ event: 'process.stop_failed', err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
