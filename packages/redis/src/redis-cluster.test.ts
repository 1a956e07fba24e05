import { describeNonceStore } from '@ajwt/testing'
import { Cluster } from 'ioredis'
import { createCluster } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedisCluster, type RedisCluster } from '../test/redis-cluster.ts'
import { RedisNonceStore } from './index.ts'

let cluster: RedisCluster
let nodeRedis: ReturnType<typeof createCluster>
let ioredis: Cluster

beforeAll(async () => {
  cluster = await startRedisCluster()
  const first = cluster.nodes[0]!
  nodeRedis = createCluster({ rootNodes: [{ url: first.url }] })
  nodeRedis.on('error', () => undefined)
  await nodeRedis.connect()
  ioredis = new Cluster([{ host: '127.0.0.1', port: first.port }])
  await ioredis.ping()
})

afterAll(async () => {
  await nodeRedis?.close()
  ioredis?.disconnect()
  await cluster?.stop()
})

describeNonceStore('RedisNonceStore (node-redis Cluster)', () => new RedisNonceStore({ client: nodeRedis }))
describeNonceStore('RedisNonceStore (ioredis Cluster)', () => new RedisNonceStore({ client: ioredis }))

describe('RedisNonceStore on Redis Cluster', () => {
  it('puts every key of one username in one slot, and different usernames over many slots', async () => {
    const store = new RedisNonceStore({ client: ioredis })
    const time = Math.floor(Date.now() / 1000)
    const slotsOf = async (user: string) => {
      const nonces = ['a', 'b:c', 'ñ{x}', 'n'.repeat(200)]
      const keys = [0, 1, 2].flatMap((dt) => nonces.map((nonce) => store.keyFor(user, time + dt, nonce)))
      return new Set(await Promise.all(keys.map((key) => ioredis.cluster('KEYSLOT', key) as Promise<number>)))
    }
    const users = ['billing', 'svc:{odd}', 'x'.repeat(256), ...Array.from({ length: 20 }, (_, i) => `user-${i}`)]
    const perUser = await Promise.all(users.map(slotsOf))
    for (const slots of perUser) expect(slots.size).toBe(1)
    expect(new Set(perUser.map((s) => [...s][0])).size).toBeGreaterThan(3)
  })

  it('shares claims between a node-redis and an ioredis cluster client', async () => {
    const time = Math.floor(Date.now() / 1000)
    const user = `shared-${Date.now().toString(36)}`
    expect(await new RedisNonceStore({ client: nodeRedis }).claim({ username: user, time, nonce: 'n', ttlMs: 20_000 })).toBe(true)
    expect(await new RedisNonceStore({ client: ioredis }).claim({ username: user, time, nonce: 'n', ttlMs: 20_000 })).toBe(false)
  })
})
