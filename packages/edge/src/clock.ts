// The edge reads time only through the shared Clock seam: the backpressure sweep, drain pacing and lag metrics.
export { type Cancel, type Clock, systemClock } from '@chainfan/protocol';
