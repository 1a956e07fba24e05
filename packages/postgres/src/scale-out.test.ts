import { createSigner, generateKeyPair } from '@ajwt/core'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { expectOnceAcrossClocks, send, sendConcurrently, spawnServer, type ServerProcess } from '@ajwt/test-utils/spawn-server'
import { PostgresKeyStore, PostgresNonceStore } from './index.ts'

const url = inject('databaseUrl')
const pool = new pg.Pool({ connectionString: url, max: 2 })
pool.on('error', () => undefined)
const admin = new PostgresKeyStore({ pool })
const username = `scale-${Date.now().toString(36)}`
let servers: ServerProcess[] = []
let signer: ReturnType<typeof createSigner>
let privateKey: string
let kid: string
let skewed: ServerProcess[] = []

beforeAll(async () => {
  await Promise.all([admin.migrate(), new PostgresNonceStore({ pool }).migrate()])
  const pair = await generateKeyPair('ed25519')
  privateKey = pair.privateKey
  const publicKey = pair.publicKey
  kid = (await admin.addKey(username, publicKey, { comment: 'scale-out test' })).kid
  signer = createSigner({ username, privateKey })
  const script = new URL('../test/serve.ts', import.meta.url)
  const env = { AJWT_DATABASE_URL: url, AJWT_CACHE_TTL_MS: '500' }
  servers = await Promise.all([spawnServer(script, env), spawnServer(script, env)])
  // Clocks 2 s ahead of and 2 s behind the machine's (and PostgreSQL's), within the default 10 s skew.
  skewed = await Promise.all([
    spawnServer(script, { ...env, AJWT_CLOCK_OFFSET_S: '2', AJWT_TOLERANCE_S: '5' }),
    spawnServer(script, { ...env, AJWT_CLOCK_OFFSET_S: '-2', AJWT_TOLERANCE_S: '5' }),
  ])
})

afterAll(async () => {
  await Promise.all([...servers, ...skewed].map((s) => s.stop()))
  await pool.end()
})

describe('two server processes sharing one PostgreSQL database', () => {
  it('accept exactly one of 200 concurrent uses of one token spread across both', async () => {
    const results = await Promise.all(sendConcurrently(servers, await signer.authorization(), 200))
    expect(results.filter((r) => r.status === 200)).toHaveLength(1)
    expect(results.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.code}`)).toEqual(Array(199).fill('401 replay'))
  })

  it('with clocks 4 s apart, accept a token once: the slow one never accepts what the fast one did', async () => {
    const signAt = (time: number) => createSigner({ username, privateKey, now: () => time }).authorization()
    await expectOnceAcrossClocks(skewed[0]!, skewed[1]!, signAt, 2, 5)
  }, 30_000)

  it('stop accepting a key revoked elsewhere within the cache TTL, and write its last use on shutdown', async () => {
    for (const server of servers) expect((await send(server.url, await signer.authorization())).status).toBe(200)
    await admin.revokeKey(username, kid)
    const refused = new Set<number>()
    const deadline = Date.now() + 10_000
    while (refused.size < servers.length && Date.now() < deadline) {
      for (const [i, server] of servers.entries()) {
        const reply = await send(server.url, await signer.authorization())
        expect([200, 401]).toContain(reply.status)
        if (reply.status === 401 && reply.code === 'unknown_user') refused.add(i)
      }
    }
    expect(refused.size).toBe(servers.length)
    await Promise.all(servers.map((s) => s.stop()))
    const [row] = await admin.listKeys(username)
    expect(row!.lastUsedAt).toBeInstanceOf(Date)
    expect(row!.revokedAt).toBeInstanceOf(Date)
  })
})
