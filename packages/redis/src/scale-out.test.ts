import { createSigner, generateKeyPair } from '@ajwt/core'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedis, type RedisServer } from '@ajwt/test-utils/redis-server'
import { expectOnceAcrossClocks, send, sendConcurrently, spawnServer, waitUntil, type ServerProcess } from '@ajwt/test-utils/spawn-server'
import { RedisNonceStore } from './index.ts'

const username = `scale-${Date.now().toString(36)}`
let redis: RedisServer
let servers: ServerProcess[] = []
let signer: ReturnType<typeof createSigner>
let privateKey: string
let skewed: ServerProcess[] = []

// Its own Redis (the shared one must not be killed), with an fsync'ed append-only file so that
// nonces survive the crash: a Redis that loses them would allow replays within the tolerance.
beforeAll(async () => {
  redis = await startRedis({ extraArgs: ['--appendonly', 'yes', '--appendfsync', 'always'] })
  const pair = await generateKeyPair('ed25519')
  privateKey = pair.privateKey
  const publicKey = pair.publicKey
  signer = createSigner({ username, privateKey })
  const env = { AJWT_REDIS_URL: redis.url, AJWT_USERNAME: username, AJWT_PUBLIC_KEY: publicKey }
  const script = new URL('../test/serve.ts', import.meta.url)
  servers = await Promise.all([
    spawnServer(script, { ...env, AJWT_CLIENT: 'redis' }),
    spawnServer(script, { ...env, AJWT_CLIENT: 'ioredis' }),
  ])
  // Clocks 2 s ahead of and 2 s behind the machine's (and Redis's), within the default 10 s skew.
  skewed = await Promise.all([
    spawnServer(script, { ...env, AJWT_CLIENT: 'redis', AJWT_CLOCK_OFFSET_S: '2', AJWT_TOLERANCE_S: '5' }),
    spawnServer(script, { ...env, AJWT_CLIENT: 'ioredis', AJWT_CLOCK_OFFSET_S: '-2', AJWT_TOLERANCE_S: '5' }),
  ])
})

afterAll(async () => {
  await Promise.all([...servers, ...skewed].map((s) => s.stop()))
  await redis?.stop()
})

describe('two server processes sharing one Redis (node-redis in one, ioredis in the other)', () => {
  it('accept exactly one of 200 concurrent uses of one token spread across both', async () => {
    const results = await Promise.all(sendConcurrently(servers, await signer.authorization(), 200))
    expect(results.filter((r) => r.status === 200)).toHaveLength(1)
    expect(results.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.code}`)).toEqual(Array(199).fill('401 replay'))
  })

  it('with clocks 4 s apart, accept a token once: the slow one never accepts what the fast one did', async () => {
    const signAt = (time: number) => createSigner({ username, privateKey, now: () => time }).authorization()
    await expectOnceAcrossClocks(skewed[0]!, skewed[1]!, signAt, 2, 5)
  }, 30_000)

  it('answer 503 while Redis is down, never accept a replay, and recover by themselves after a restart', async () => {
    type Outcome = { token: string; server: number; status: number; code?: string; retryAfter?: string | null; phase: string }
    const log: Outcome[] = []
    let phase = 'up'
    let running = true
    const loop = (async () => {
      while (running) {
        const token = await signer.authorization()
        const current = phase
        const replies = await Promise.all(servers.map((s) => send(s.url, token)))
        replies.forEach((r, server) => log.push({ ...r, token, server, phase: current }))
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    })()
    const seen = (p: string, status: number, server?: number) =>
      log.filter((o) => o.phase === p && o.status === status && (server === undefined || o.server === server)).length

    const accepted = await signer.authorization()
    try {
      expect((await send(servers[0]!.url, accepted)).status).toBe(200)
      await waitUntil(() => seen('up', 200) >= 10, 20_000, 'requests accepted before the crash')

      await redis.kill()
      phase = 'down'
      await waitUntil(() => seen('down', 503, 0) >= 5 && seen('down', 503, 1) >= 5, 20_000, '503 from both servers')
      for (const server of servers) {
        const replay = await send(server.url, accepted)
        expect(replay.status).toBe(503)
        expect(replay.retryAfter).toBe('1')
      }

      phase = 'restarting'
      await redis.restart()
      phase = 'restarted'
      await waitUntil(() => seen('restarted', 200, 0) >= 3 && seen('restarted', 200, 1) >= 3, 30_000, 'recovery of both servers')
    } finally {
      running = false
      await loop
    }

    for (const server of servers) {
      expect(await send(server.url, accepted)).toMatchObject({ status: 401, code: 'replay' })
    }
    const perToken = new Map<string, number>()
    for (const o of log) {
      expect([200, 503, 401]).toContain(o.status)
      if (o.status === 401) expect(o.code).toBe('replay')
      if (o.status === 200) perToken.set(o.token, (perToken.get(o.token) ?? 0) + 1)
    }
    expect(Math.max(...perToken.values())).toBe(1)
    // A request is logged as 'down' only if it was sent after redis-server had exited.
    expect(log.filter((o) => o.phase === 'down' && o.status !== 503)).toEqual([])
  })
})

describe('a Redis that stops answering (SIGSTOP)', () => {
  it('makes claims throw within timeoutMs with either client, and they work again after SIGCONT', async () => {
    const frozen = await startRedis()
    const nodeRedis = createClient({ url: frozen.url })
    nodeRedis.on('error', () => undefined)
    await nodeRedis.connect()
    const ioredis = new Redis(frozen.url)
    ioredis.on('error', () => undefined)
    await ioredis.ping()
    try {
      const stores = [nodeRedis, ioredis].map((client) => new RedisNonceStore({ client, timeoutMs: 300 }))
      const time = Math.floor(Date.now() / 1000)
      process.kill(frozen.pid(), 'SIGSTOP')
      for (const store of stores) {
        await expect(store.claim({ username, time, nonce: 'frozen', ttlMs: 20_000 })).rejects.toThrow(/did not answer within 300 ms/)
      }
      process.kill(frozen.pid(), 'SIGCONT')
      for (const [i, store] of stores.entries()) {
        expect(await store.claim({ username, time, nonce: `thawed-${i}`, ttlMs: 20_000 })).toBe(true)
        expect(await store.claim({ username, time, nonce: `thawed-${i}`, ttlMs: 20_000 })).toBe(false)
      }
    } finally {
      process.kill(frozen.pid(), 'SIGCONT')
      await nodeRedis.close().catch(() => undefined)
      ioredis.disconnect()
      await frozen.stop()
    }
  })
})
