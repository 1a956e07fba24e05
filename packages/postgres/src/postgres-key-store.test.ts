import { AjwtError, createSigner, createVerifier, generateKeyPair, importPublicKey, MemoryNonceStore } from '@ajwt/core'
import { describeKeyStore } from '@ajwt/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { PostgresKeyStore } from './index.ts'

const pool = new pg.Pool({ connectionString: inject('databaseUrl'), max: 10 })
pool.on('error', () => undefined)

beforeAll(async () => {
  await new PostgresKeyStore({ pool }).migrate()
})
afterAll(() => pool.end())

describeKeyStore('PostgresKeyStore', async (seed) => {
  const store = new PostgresKeyStore({ pool })
  for (const [username, keys] of Object.entries(seed)) for (const key of keys) await store.addKey(username, key)
  return store
})

const unique = (name: string) => `${name}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const pairs = Promise.all([generateKeyPair('ed25519'), generateKeyPair('rsa')])

/** The OpenSSH `authorized_keys` line of an Ed25519 SPKI PEM. */
async function openSshLine(pem: string, comment: string): Promise<string> {
  const x = Buffer.from((await importPublicKey(pem)).toJWK().x!, 'base64url')
  const field = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes])
  return `ssh-ed25519 ${Buffer.concat([field(Buffer.from('ssh-ed25519')), field(x)]).toString('base64')} ${comment}`
}

async function rejection(promise: Promise<unknown>): Promise<AjwtError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(AjwtError)
  return error as AjwtError
}

describe('PostgresKeyStore', () => {
  it('migrates idempotently, also from several callers at once, with the indexes getKeys needs', async () => {
    const table = 'migrate_twice_keys'
    await Promise.all([1, 2, 3].map(() => new PostgresKeyStore({ pool, table }).migrate()))
    await new PostgresKeyStore({ pool, table }).migrate()
    const { rows } = await pool.query(`SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY 1`, [table])
    expect(rows.map((r) => r.indexname)).toEqual([`${table}_active_kid`, `${table}_pkey`, `${table}_username`])
  })

  it('adds PEM and OpenSSH keys with their fingerprint as kid, lists and revokes them', async () => {
    const store = new PostgresKeyStore({ pool })
    const user = unique('add')
    const [ed, rsa] = await pairs
    const edKey = await importPublicKey(ed.publicKey)
    const row = await store.addKey(user, ed.publicKey, { comment: 'laptop' })
    expect(row).toMatchObject({ username: user, kid: edKey.kid, comment: 'laptop', lastUsedAt: null, revokedAt: null })
    expect(row.createdAt).toBeInstanceOf(Date)
    const sshLine = await openSshLine((await generateKeyPair('ed25519')).publicKey, 'ci@builder')
    const ssh = await store.addKey(user, sshLine)
    expect(ssh.comment).toBe('ci@builder')
    expect(ssh.kid).toBe((await importPublicKey(sshLine)).kid)
    expect(await store.addKey(user, ed.publicKey)).toEqual(row)
    const rsaRow = await store.addKey(user, rsa.publicKey)

    expect((await store.listKeys(user)).map((k) => k.kid)).toEqual([row.kid, ssh.kid, rsaRow.kid])
    expect((await store.getKeys(user)).map((k) => k.comment)).toEqual(['laptop', 'ci@builder', undefined])
    expect(await store.revokeKey(user, ssh.kid)).toBe(true)
    expect(await store.revokeKey(user, ssh.kid)).toBe(false)
    expect((await store.getKeys(user)).map((k) => k.kid)).toEqual([row.kid, rsaRow.kid])
    const listed = await store.listKeys(user)
    expect(listed.map((k) => k.revokedAt === null)).toEqual([true, false, true])
    // A revoked key can be added again: it gets a new row.
    await store.addKey(user, sshLine)
    expect((await store.getKeys(user)).map((k) => k.kid)).toEqual([row.kid, rsaRow.kid, ssh.kid])
  })

  it('refuses what is not a usable public key, with a clear error and nothing stored', async () => {
    const store = new PostgresKeyStore({ pool })
    const user = unique('bad')
    const [ed] = await pairs
    expect((await rejection(store.addKey(user, 'not a key'))).code).toBe('invalid_key')
    expect((await rejection(store.addKey(user, ed.privateKey))).detail).toMatch(/private key/)
    expect((await rejection(store.addKey(user, 42 as unknown as string))).code).toBe('invalid_key')
    await expect(store.addKey('', ed.publicKey)).rejects.toThrow(TypeError)
    await expect(store.addKey('a\u0000b', ed.publicKey)).rejects.toThrow(TypeError)
    expect(await store.listKeys(user)).toEqual([])
    expect(await store.getKeys('a\u0000b')).toEqual([])
    expect(await store.getKeys('x'.repeat(300))).toEqual([])
  })

  it('caches imported keys: no query and no PEM parsing per request, the same objects after a refresh', async () => {
    const store = new PostgresKeyStore({ pool, cacheTtlMs: 200 })
    const user = unique('cache')
    const [ed, rsa] = await pairs
    await store.addKey(user, ed.publicKey)
    const first = await store.getKeys(user)
    expect(await store.getKeys(user)).toBe(first)
    // Another process adds a key: this process sees it only once its cache entry is older than the TTL.
    await new PostgresKeyStore({ pool }).addKey(user, rsa.publicKey)
    expect(await store.getKeys(user)).toBe(first)
    await sleep(250)
    const refreshed = await store.getKeys(user)
    expect(refreshed).toHaveLength(2)
    expect(refreshed[0]).toBe(first[0])
    await sleep(250)
    expect(await store.getKeys(user)).toBe(refreshed)
  })

  it('stops accepting a key revoked by another process within cacheTtlMs', async () => {
    const [ed] = await pairs
    const user = unique('revoke')
    const admin = new PostgresKeyStore({ pool })
    const { kid } = await admin.addKey(user, ed.publicKey)
    const keys = new PostgresKeyStore({ pool, cacheTtlMs: 300 })
    const verifier = createVerifier({ keys, nonces: new MemoryNonceStore() })
    const signer = createSigner({ username: user, privateKey: ed.privateKey })
    expect((await verifier.verify(await signer.authorization())).ok).toBe(true)
    await admin.revokeKey(user, kid)
    await sleep(350)
    const result = await verifier.verify(await signer.authorization())
    expect(!result.ok && result.error.code).toBe('unknown_user')
  })

  it('writes last_used_at in batches, never once per request', async () => {
    const [ed, rsa] = await pairs
    const user = unique('used')
    const keys = new PostgresKeyStore({ pool, lastUsedFlushMs: 60_000 })
    const edRow = await keys.addKey(user, ed.publicKey)
    const rsaRow = await keys.addKey(user, rsa.publicKey)
    const verifier = createVerifier({ keys, nonces: new MemoryNonceStore(), onVerified: keys.recordUse })
    for (let i = 0; i < 5; i++) {
      const result = await verifier.verify(await createSigner({ username: user, privateKey: ed.privateKey }).authorization())
      expect(result.ok).toBe(true)
    }
    expect((await keys.listKeys(user)).map((k) => k.lastUsedAt)).toEqual([null, null])
    const before = new Date(Date.now() - 1000)
    await keys.flush()
    const [edUsed, rsaUsed] = await keys.listKeys(user)
    expect(edUsed!.kid).toBe(edRow.kid)
    expect(edUsed!.lastUsedAt!.getTime()).toBeGreaterThan(before.getTime())
    expect(rsaUsed!.kid).toBe(rsaRow.kid)
    expect(rsaUsed!.lastUsedAt).toBeNull()

    await verifier.verify(await createSigner({ username: user, privateKey: rsa.privateKey }).authorization())
    await keys.close()
    expect((await keys.listKeys(user))[1]!.lastUsedAt).not.toBeNull()
  })

  it('flushes by itself every lastUsedFlushMs', async () => {
    const [ed] = await pairs
    const user = unique('timer')
    const keys = new PostgresKeyStore({ pool, lastUsedFlushMs: 100 })
    const { kid } = await keys.addKey(user, ed.publicKey)
    keys.recordUse({ username: user, kid })
    for (let i = 0; i < 50 && (await keys.listKeys(user))[0]!.lastUsedAt === null; i++) await sleep(50)
    expect((await keys.listKeys(user))[0]!.lastUsedAt).not.toBeNull()
    await keys.close()
  })

  it('skips a stored key that no longer imports, and reports it, keeping the user’s other keys', async () => {
    const [ed] = await pairs
    const user = unique('corrupt')
    const errors: unknown[] = []
    const keys = new PostgresKeyStore({ pool, onError: (e) => errors.push(e) })
    await pool.query(`INSERT INTO ajwt_public_keys (username, kid, public_key) VALUES ($1, 'broken', 'garbage')`, [user])
    const { kid } = await keys.addKey(user, ed.publicKey)
    expect((await keys.getKeys(user)).map((k) => k.kid)).toEqual([kid])
    expect(String(errors[0])).toMatch(/no longer imports/)
  })

  it('fails closed: a database that cannot be reached turns into 503', async () => {
    const [ed] = await pairs
    const down = new pg.Pool({ host: '127.0.0.1', port: 1, user: 'postgres', connectionTimeoutMillis: 1000 })
    try {
      const keys = new PostgresKeyStore({ pool: down })
      await expect(keys.getKeys('svc')).rejects.toThrow()
      const verifier = createVerifier({ keys, nonces: new MemoryNonceStore() })
      const result = await verifier.verify(await createSigner({ username: 'svc', privateKey: ed.privateKey }).authorization())
      expect(!result.ok && [result.error.code, result.error.status]).toEqual(['store_unavailable', 503])
    } finally {
      await down.end()
    }
  })

  it('refuses bad options with a clear error', () => {
    expect(() => new PostgresKeyStore({ pool: undefined as unknown as pg.Pool })).toThrow(AjwtError)
    expect(() => new PostgresKeyStore({ pool, table: 'public."keys"' })).toThrow(AjwtError)
    expect(() => new PostgresKeyStore({ pool, cacheTtlMs: -1 })).toThrow(AjwtError)
  })
})
