import type { Cluster, Redis } from 'ioredis'
import type { createClient, createClientPool, createCluster } from 'redis'
import { expectTypeOf, test } from 'vitest'
import type { RedisClient, RedisNonceStoreOptions } from './index.ts'

test('every supported client type is accepted as `client`', () => {
  expectTypeOf<ReturnType<typeof createClient>>().toExtend<RedisClient>()
  expectTypeOf<ReturnType<typeof createClientPool>>().toExtend<RedisClient>()
  expectTypeOf<ReturnType<typeof createCluster>>().toExtend<RedisClient>()
  expectTypeOf<Redis>().toExtend<RedisClient>()
  expectTypeOf<Cluster>().toExtend<RedisClient>()
  expectTypeOf<{ get(key: string): Promise<string | null> }>().not.toExtend<RedisClient>()
  expectTypeOf<RedisNonceStoreOptions>().toHaveProperty('client').toEqualTypeOf<RedisClient>()
})
