// The public surface of @chainfan/bus. The contract suite (bus.contract.ts) is imported by path from tests.
export type { Bus, BusState, Coordinator, HistoryRead, PublishOptions, PublishReceipt } from './bus.js';
export type { BusLogger } from './bus-logger.js';
export { MemoryBus, type MemoryBusOptions, DEFAULT_HISTORY_MAX_LEN } from './memory-bus.js';
export { RedisBus, type RedisBusOptions, type RedisBusStats } from './redis-bus.js';
export { createBus, type BusConfig } from './create-bus.js';
export { GapDetector, type GapVerdict } from './gap-detector.js';
export { PositionFloor, compareEpochs, isBehind } from './position-floor.js';
export { waitForBusUp } from './wait-up.js';
export { type LeaseStore, MemoryLeaseStore, type MemoryLeaseStoreOptions } from './lease-store.js';
export { type KeyStore, StaticKeyStore, apiKeyHash } from './key-store.js';
export { RedisLeaseStore, type RedisLeaseStoreOptions } from './redis-lease-store.js';
export { RedisKeyStore, type RedisKeyStoreOptions } from './redis-key-store.js';
export { type TtlCache, MemoryTtlCache, type MemoryTtlCacheOptions } from './ttl-cache.js';
export { RedisTtlCache, type RedisTtlCacheOptions } from './redis-ttl-cache.js';
export { type StatsRegistry, MemoryStatsRegistry, type MemoryStatsRegistryOptions } from './stats-registry.js';
export { RedisStatsRegistry, type RedisStatsRegistryOptions } from './redis-stats-registry.js';
export { type RedisTopology, type RedisEndpoint, type RedisSecurity, singleRedis, maskRedisUrl, describeRedisTopology } from './redis-topology.js';
export { redisEnv, type RedisEnv, redisTopologyFromEnv } from './redis-env.js';
