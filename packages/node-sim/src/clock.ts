// The simulator reads time only through the shared Clock seam (block times, generation timers, stalls).
export { type Cancel, type Clock, systemClock } from '@chainfan/protocol';
