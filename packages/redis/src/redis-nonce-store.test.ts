import { AjwtError } from '@ajwt/core'
import { describeNonceStore } from '@ajwt/testing'
import { Redis } from 'ioredis'
import { createClient, createClientPool } from 'redis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { RedisNonceStore, type RedisClient } from './index.ts'

const url = inject('redisUrl')
const nodeRedis = createClient({ url })
const ioredis = new Redis(url, { lazyConnect: true })
const pool = createClientPool({ url }, { minimum: 1, maximum: 4 })

beforeAll(async () => {
  await nodeRedis.connect()
  await ioredis.connect()
  await pool.connect()
})
afterAll(async () => {
  await nodeRedis.close()
  ioredis.disconnect()
  await pool.close()
})

describeNonceStore('RedisNonceStore (node-redis)', () => new RedisNonceStore({ client: nodeRedis }))
describeNonceStore('RedisNonceStore (ioredis)', () => new RedisNonceStore({ client: ioredis }))
describeNonceStore('RedisNonceStore (node-redis pool)', () => new RedisNonceStore({ client: pool }))

const unique = () => `u-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
const now = () => Math.floor(Date.now() / 1000)

describe('RedisNonceStore', () => {
  it('writes one key that Redis expires after the ttl on its own clock, readable by the other client library', async () => {
    const store = new RedisNonceStore({ client: nodeRedis, keyPrefix: 'test:' })
    const user = unique()
    // A token time an hour old: the key's life depends on the ttl only.
    const time = now() - 3600
    const claim = { username: user, time, nonce: 'abc', ttlMs: 20_000 }
    expect(await store.claim(claim)).toBe(true)
    const key = `test:{${user}}:${time}:abc`
    expect(store.keyFor(user, time, 'abc')).toBe(key)
    expect(await ioredis.get(key)).toBe('1')
    const pttl = await ioredis.pttl(key)
    expect(pttl).toBeGreaterThan(15_000)
    expect(pttl).toBeLessThanOrEqual(20_000)
    expect(await new RedisNonceStore({ client: ioredis, keyPrefix: 'test:' }).claim(claim)).toBe(false)
  })

  it('bounds key length and keeps one hash tag per username whatever the parts contain', () => {
    const store = new RedisNonceStore({ client: nodeRedis })
    const long = store.keyFor(`${'{}'.repeat(500)}ü`, 1700000000, 'n'.repeat(1000))
    expect(long.length).toBeLessThan(120)
    expect(long.match(/[{}]/g)).toEqual(['{', '}'])
    const user = 'billing:a}{b'
    const tags = ['x', 'y:z', 'ñ'.repeat(300)].map((nonce) => /\{([^}]*)\}/.exec(store.keyFor(user, 1, nonce))![1])
    expect(new Set(tags).size).toBe(1)
    expect(store.keyFor('a:b', 1, 'c')).not.toBe(store.keyFor('a', 1, 'b:c'))
  })

  it('refuses what is not a Redis client and a keyPrefix that would steal the hash tag', () => {
    const detail = (make: () => unknown) => {
      try {
        make()
      } catch (error) {
        expect(error).toBeInstanceOf(AjwtError)
        expect((error as AjwtError).code).toBe('invalid_options')
        return (error as AjwtError).detail
      }
      throw new Error('did not throw')
    }
    expect(detail(() => new RedisNonceStore({ client: {} as RedisClient }))).toMatch(/node-redis client/)
    expect(detail(() => new RedisNonceStore({ client: null as unknown as RedisClient }))).toMatch(/ioredis/)
    expect(detail(() => new RedisNonceStore({ client: nodeRedis, keyPrefix: '{app}:' }))).toMatch(/keyPrefix/)
    expect(detail(() => new RedisNonceStore({ client: nodeRedis, timeoutMs: 0 }))).toMatch(/timeoutMs/)
  })

  it('throws, rather than answering, when the client is closed', async () => {
    const closed = createClient({ url })
    const store = new RedisNonceStore({ client: closed })
    await expect(store.claim({ username: unique(), time: now(), nonce: 'n', ttlMs: 20_000 })).rejects.toThrow()
    const ioClosed = new Redis(url, { lazyConnect: true })
    ioClosed.disconnect()
    await expect(new RedisNonceStore({ client: ioClosed }).claim({ username: unique(), time: now(), nonce: 'n', ttlMs: 20_000 })).rejects.toThrow(/end|close/)
  })
})
