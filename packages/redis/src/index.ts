export { RedisNonceStore, type RedisNonceStoreOptions } from './redis-nonce-store.ts'
export type { IoRedisClient, NodeRedisClient, NodeRedisCluster, RedisClient } from './clients.ts'
