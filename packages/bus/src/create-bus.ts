// Picks the Bus implementation from parsed config (STYLE rule 1); the only place that knows both.
import { assertNever, type Clock } from '@chainfan/protocol';
import type { Bus, Coordinator } from './bus.js';
import { type BusLogger, silentLogger } from './bus-logger.js';
import { MemoryBus } from './memory-bus.js';
import type { PositionFloor } from './position-floor.js';
import { RedisBus } from './redis-bus.js';
import type { RedisTopology } from './redis-topology.js';

export type BusConfig =
  | { readonly kind: 'memory'; readonly historyMaxLen?: number; readonly clock?: Clock }
  | {
      readonly kind: 'redis';
      /** a single Redis by URL; ignored when `topology` is given (see redisTopologyFromEnv) */
      readonly url?: string;
      readonly topology?: RedisTopology;
      readonly keyPrefix?: string;
      readonly historyMaxLen?: number;
      readonly connectTimeoutMs?: number;
      /** what the process knows was published (see RedisBusOptions.positionFloor) */
      readonly positionFloor?: PositionFloor;
      /** partitions of the transaction stream (see RedisBusOptions.txsPartitions) */
      readonly txsPartitions?: number;
      /** per-shard publish counting (see RedisBusOptions.onPublished) */
      readonly onPublished?: (shard: string, messages: number) => void;
      /** times reconnect waits and deadlines (see RedisBusOptions.clock) */
      readonly clock?: Clock;
    };

/** A RedisBus starts connecting at once and reports it through state/onStateChange; nothing here waits. */
export function createBus(cfg: BusConfig, log: BusLogger = silentLogger): Bus & Coordinator {
  switch (cfg.kind) {
    case 'memory':
      return new MemoryBus({
        ...(cfg.historyMaxLen === undefined ? {} : { historyMaxLen: cfg.historyMaxLen }),
        ...(cfg.clock === undefined ? {} : { now: () => cfg.clock!.now() }),
      });
    case 'redis': {
      const { kind: _kind, ...opts } = cfg;
      return new RedisBus(opts, log);
    }
    default:
      return assertNever(cfg);
  }
}
