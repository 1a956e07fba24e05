import { AjwtError, createSigner, createVerifier, generateKeyPair, MemoryKeyStore } from '@ajwt/core'
import { describeNonceStore } from '@ajwt/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { PostgresNonceStore } from './index.ts'

const pool = new pg.Pool({ connectionString: inject('databaseUrl'), max: 10 })

beforeAll(async () => {
  await new PostgresNonceStore({ pool }).migrate()
})
afterAll(() => pool.end())

describeNonceStore('PostgresNonceStore', () => new PostgresNonceStore({ pool }))

const now = () => Math.floor(Date.now() / 1000)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const count = async (table: string) => Number((await pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n)

describe('PostgresNonceStore', () => {
  it('migrates idempotently, also from several callers at once', async () => {
    const store = new PostgresNonceStore({ pool, table: 'migrate_twice_nonces' })
    await Promise.all([store.migrate(), store.migrate(), new PostgresNonceStore({ pool, table: 'migrate_twice_nonces' }).migrate()])
    await store.migrate()
    const { rows } = await pool.query(`SELECT indexname FROM pg_indexes WHERE tablename = 'migrate_twice_nonces' ORDER BY 1`)
    expect(rows.map((r) => r.indexname)).toEqual(['migrate_twice_nonces_expires_at', 'migrate_twice_nonces_pkey'])
  })

  it('stores one fixed-size row per claim and deletes expired rows in batches', async () => {
    const table = 'sweep_nonces'
    const store = new PostgresNonceStore({ pool, table, sweepBatchSize: 10, sweepIntervalMs: 0 })
    await store.migrate()
    const time = now()
    await Promise.all(Array.from({ length: 25 }, (_, i) => store.claim({ username: 'sweeper', time, nonce: `n${i}`, ttlMs: 500 })))
    expect(await store.claim({ username: 'sweeper', time, nonce: 'lives', ttlMs: 60_000 })).toBe(true)
    expect(await count(table)).toBe(26)
    expect((await pool.query(`SELECT DISTINCT octet_length(id) AS n FROM ${table}`)).rows).toEqual([{ n: 32 }])
    expect(await store.sweep()).toBe(0)
    await sleep(1200)
    expect(await store.sweep()).toBe(10)
    expect(await store.sweep()).toBe(10)
    expect(await store.sweep()).toBe(5)
    expect(await store.sweep()).toBe(0)
    expect(await count(table)).toBe(1)
    expect(await store.claim({ username: 'sweeper', time, nonce: 'lives', ttlMs: 60_000 })).toBe(false)
  })

  it('sweeps expired rows by itself while claims come in', async () => {
    const table = 'auto_sweep_nonces'
    const store = new PostgresNonceStore({ pool, table, sweepIntervalMs: 300 })
    await store.migrate()
    const time = now()
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.claim({ username: 'auto', time, nonce: `old${i}`, ttlMs: 300 })))
    await sleep(800)
    const expired = async () => Number((await pool.query(`SELECT count(*) AS n FROM ${table} WHERE expires_at < now()`)).rows[0].n)
    expect(await expired()).toBe(20)
    for (let i = 0; (await expired()) > 0 && i < 40; i++) {
      await store.claim({ username: 'auto', time, nonce: `new${i}`, ttlMs: 60_000 })
      await sleep(100)
    }
    const remaining = await expired()
    expect(Number(remaining)).toBe(0)
  })

  it('fails closed: a database that cannot be reached turns into 503, never an acceptance', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ed25519')
    const down = new pg.Pool({ host: '127.0.0.1', port: 1, user: 'postgres', connectionTimeoutMillis: 1000 })
    try {
      const nonces = new PostgresNonceStore({ pool: down })
      await expect(nonces.claim({ username: 'u', time: now(), nonce: 'n', ttlMs: 20_000 })).rejects.toThrow()
      const verifier = createVerifier({ keys: new MemoryKeyStore({ svc: [publicKey] }), nonces })
      const result = await verifier.verify(await createSigner({ username: 'svc', privateKey }).authorization())
      expect(result.ok).toBe(false)
      expect(!result.ok && [result.error.code, result.error.status]).toEqual(['store_unavailable', 503])
    } finally {
      await down.end()
    }
  })

  it('refuses bad options with a clear error', () => {
    expect(() => new PostgresNonceStore({ pool: {} as pg.Pool })).toThrow(AjwtError)
    expect(() => new PostgresNonceStore({ pool, table: 'nonces; DROP TABLE x' })).toThrow(AjwtError)
    expect(() => new PostgresNonceStore({ pool, sweepBatchSize: 0 })).toThrow(AjwtError)
  })
})
