// Start-up gate: resolves once a bus is up, so a role does not accept work it cannot serve yet.
import { type Cancel, ChainfanError, type Clock, systemClock } from '@chainfan/protocol';
import type { Bus } from './bus.js';

/**
 * Resolves when `bus.state` is 'up'; rejects on 'closed' or after `timeoutMs` (default: wait for ever), timed by
 * `clock` (the system clock unless given).
 */
export function waitForBusUp(bus: Pick<Bus, 'state' | 'onStateChange'>, timeoutMs?: number, clock: Pick<Clock, 'setTimeout'> = systemClock): Promise<void> {
  if (bus.state === 'up') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let cancel: Cancel | undefined;
    const remove = bus.onStateChange((s) => {
      if (s === 'up') done();
      else if (s === 'closed') done(new ChainfanError('CHAINFAN_BUS_CLOSED', 'bus closed while waiting for it to come up'));
    });
    function done(err?: Error): void {
      remove();
      cancel?.();
      if (err) reject(err);
      else resolve();
    }
    if (timeoutMs !== undefined) cancel = clock.setTimeout(() => done(new ChainfanError('CHAINFAN_TIMEOUT', `bus not up after ${timeoutMs} ms (state ${bus.state})`)), timeoutMs);
    if (bus.state === 'up') done(); // raced with the listener registration
  });
}
