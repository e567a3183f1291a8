// Typed errors the Redis bus raises when it is closed or disconnected.
import type { BusChannel } from '@chainfan/protocol';
import { ChainfanError } from '@chainfan/protocol';
import type { BusState } from './bus.js';

export function closedError(): ChainfanError {
  return new ChainfanError('CHAINFAN_BUS_CLOSED', 'bus is closed');
}

export function downError(what: string, state: BusState, channel: BusChannel | undefined): ChainfanError {
  return new ChainfanError('CHAINFAN_BUS_DOWN', `${what}: bus is ${state}; nothing is queued`, channel === undefined ? {} : { context: { channel } });
}
