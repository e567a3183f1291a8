export { waitFor, type WaitForOptions } from './wait-for.js';
export { freePort } from './free-port.js';
export { startRedis, type StartRedisOptions } from './start-redis.js';
export type { RedisHandle, RedisPersistence } from './redis-handle.js';
export { containerRuntimeReachable } from './container-runtime.js';
export { redisCommand, type RespValue } from './redis-command.js';
export {
  startRedisSentinelSet, type SentinelSetHandle, startRedisCluster, type RedisClusterHandle, type ClusterOptions, type TopologyOptions,
  type RedisEndpointAddress,
} from './redis-topologies.js';
export { startSecuredRedis, type SecuredRedisHandle } from './secured-redis.js';
export { startReplyGate, type ReplyGate } from './reply-gate.js';
