import { describeNonceStore } from '@ajwt/testing'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { RedisNonceStore, type RedisClient } from './index.ts'

const url = inject('redisUrl')
const nodeRedis = createClient({ url })
const ioredis = new Redis(url, { lazyConnect: true })

beforeAll(async () => {
  await nodeRedis.connect()
  await ioredis.connect()
})
afterAll(async () => {
  await nodeRedis.close()
  ioredis.disconnect()
})

// One SET … NX PX per claim, for a Redis where scripting is disabled: the same contract.
describeNonceStore('RedisNonceStore (node-redis, batch: false)', () => new RedisNonceStore({ client: nodeRedis, batch: false }))
describeNonceStore('RedisNonceStore (ioredis, batch: false)', () => new RedisNonceStore({ client: ioredis, batch: false }))

const unique = () => `b-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
const now = () => Math.floor(Date.now() / 1000)

/** A node-redis client that records the commands the store sends. */
function spied(): { client: RedisClient; sent: string[][] } {
  const sent: string[][] = []
  const client = {
    isOpen: true,
    isReady: true,
    sendCommand: (args: string[], options?: { timeout?: number }) => {
      sent.push([...args])
      return nodeRedis.sendCommand(args, options)
    },
  }
  return { client, sent }
}

describe('RedisNonceStore batching', () => {
  it('sends the claims of one event-loop turn as one command, and answers each claim on its own', async () => {
    const { client, sent } = spied()
    const store = new RedisNonceStore({ client, keyPrefix: 'batch:' })
    const user = unique()
    const time = now()
    expect(await store.claim({ username: user, time, nonce: 'taken', ttlMs: 20_000 })).toBe(true)
    sent.length = 0
    // Fresh nonces, a copy of one of them, and one already taken, all in one turn.
    const nonces = ['a', 'b', 'a', 'taken', 'c', 'ñ{weird}']
    const results = await Promise.all(nonces.map((nonce) => store.claim({ username: user, time, nonce, ttlMs: 20_000 })))
    expect(results).toEqual([true, true, false, false, true, true])
    expect(sent).toHaveLength(1)
    expect(sent[0]!.slice(0, 3)).toEqual(['EVALSHA', expect.stringMatching(/^[0-9a-f]{40}$/), '6'])
    expect(sent[0]!.slice(3, 9)).toEqual(nonces.map((nonce) => store.keyFor(user, time, nonce)))
    expect(sent[0]!.slice(9)).toEqual(Array(6).fill('20000'))
    const pttl = await ioredis.pttl(store.keyFor(user, time, 'c'))
    expect(pttl).toBeGreaterThan(15_000)
    expect(pttl).toBeLessThanOrEqual(20_000)
  })

  it('while a command is in flight, the claims of the next turns wait for its answer and then go as one command', async () => {
    const sent: string[][] = []
    let open!: () => void
    const gate = new Promise<void>((resolve) => (open = resolve))
    const client = {
      isOpen: true,
      isReady: true,
      sendCommand: async (args: string[], options?: { timeout?: number }) => {
        sent.push([...args])
        if (sent.length === 1) await gate
        return nodeRedis.sendCommand(args, options)
      },
    }
    const store = new RedisNonceStore({ client, keyPrefix: 'group:' })
    const user = unique()
    const time = now()
    const claim = (nonce: string) => store.claim({ username: user, time, nonce, ttlMs: 20_000 })
    const first = claim('a')
    const later: Promise<boolean>[] = []
    for (const nonce of ['b', 'a', 'c']) {
      await new Promise((resolve) => setImmediate(resolve))
      later.push(claim(nonce))
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(sent).toHaveLength(1)
    open()
    expect(await first).toBe(true)
    expect(await Promise.all(later)).toEqual([true, false, true])
    expect(sent).toHaveLength(2)
    expect(sent[1]!.slice(2, 6)).toEqual(['3', ...['b', 'a', 'c'].map((nonce) => store.keyFor(user, time, nonce))])
    // Idle again: the next claim goes at once.
    expect(await claim('d')).toBe(true)
    expect(sent).toHaveLength(3)
  })

  it('loads its script again after Redis lost it (SCRIPT FLUSH), without claiming anything twice', async () => {
    const { client, sent } = spied()
    const store = new RedisNonceStore({ client })
    const user = unique()
    const time = now()
    expect(await store.claim({ username: user, time, nonce: 'before', ttlMs: 20_000 })).toBe(true)
    await ioredis.script('FLUSH')
    sent.length = 0
    const results = await Promise.all(['x', 'x', 'before'].map((nonce) => store.claim({ username: user, time, nonce, ttlMs: 20_000 })))
    expect(results).toEqual([true, false, false])
    expect(sent.map((args) => args[0])).toEqual(['EVALSHA', 'EVAL'])
    sent.length = 0
    expect(await store.claim({ username: user, time, nonce: 'after', ttlMs: 20_000 })).toBe(true)
    expect(sent.map((args) => args[0])).toEqual(['EVALSHA'])
  })

  it('fails every claim of a batch that Redis refused, and the next batch works', async () => {
    let refuse = true
    const client = {
      isOpen: true,
      isReady: true,
      sendCommand: (args: string[]) => (refuse ? Promise.reject(new Error('OOM command not allowed')) : nodeRedis.sendCommand(args)),
    }
    const store = new RedisNonceStore({ client })
    const user = unique()
    const time = now()
    const refused = await Promise.allSettled(['p', 'q'].map((nonce) => store.claim({ username: user, time, nonce, ttlMs: 20_000 })))
    expect(refused.map((r) => r.status === 'rejected' && String(r.reason))).toEqual(['Error: OOM command not allowed', 'Error: OOM command not allowed'])
    refuse = false
    expect(await store.claim({ username: user, time, nonce: 'p', ttlMs: 20_000 })).toBe(true)
  })

  it('times out every batch on its own deadline with one timer, and ignores a late answer', async () => {
    const pending: ((value: unknown) => void)[] = []
    const client = {
      isOpen: true,
      isReady: true,
      sendCommand: () => new Promise((resolve) => pending.push(resolve)),
    }
    const store = new RedisNonceStore({ client, timeoutMs: 150 })
    const claim = (nonce: string) => store.claim({ username: 'u', time: 1, nonce, ttlMs: 20_000 }).then(
      () => 'answered',
      (error: Error) => error.message,
    )
    const started = performance.now()
    const first = Promise.all([claim('a'), claim('b')])
    await new Promise((r) => setTimeout(r, 60))
    const second = claim('c')
    const firstDone = first.then(() => performance.now() - started)
    const secondDone = second.then(() => performance.now() - started)
    expect(await first).toEqual(['Redis did not answer within 150 ms', 'Redis did not answer within 150 ms'])
    expect(await second).toBe('Redis did not answer within 150 ms')
    expect(await firstDone).toBeGreaterThanOrEqual(145)
    expect(await secondDone).toBeGreaterThanOrEqual(200)
    expect(pending).toHaveLength(2)
    // Redis answers at last: the claims have already failed, nothing changes.
    pending[0]!([1, 1])
    pending[1]!([1])
  })

  it('refuses a ttl beyond what Redis can keep, and sends nothing for it', async () => {
    const { client, sent } = spied()
    const store = new RedisNonceStore({ client })
    await expect(store.claim({ username: unique(), time: now(), nonce: 'n', ttlMs: 1e300 })).rejects.toThrow(/more than Redis can keep/)
    expect(sent).toEqual([])
  })
})
