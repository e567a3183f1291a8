// Bus channels are coarse and few; fine client topics are derived at the edge from routing keys.
export const BUS_CHANNELS = ['blocks', 'txs', 'assets', 'mempool', 'sequence', 'chain', 'status', 'ctl'] as const;
export type BusChannel = (typeof BUS_CHANNELS)[number];

export function isBusChannel(s: string): s is BusChannel {
  return (BUS_CHANNELS as readonly string[]).includes(s);
}
