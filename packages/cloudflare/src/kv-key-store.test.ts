import { AjwtError, generateKeyPair, importPublicKey } from '@ajwt/core'
import { describeKeyStore } from '@ajwt/testing'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { KvKeyStore } from './kv-key-store.ts'

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
const kv = env.AJWT_KEYS_KV

describeKeyStore('KvKeyStore', async (seed) => {
  const prefix = `suite-${unique()}:`
  await Promise.all(Object.entries(seed).map(([user, keys]) => kv.put(prefix + user, JSON.stringify(keys))))
  return new KvKeyStore({ namespace: kv, prefix })
})

describe('KvKeyStore', () => {
  const pairs = Promise.all([generateKeyPair('ed25519'), generateKeyPair('ed25519')])

  it('reads a bare key text as well as a JSON list', async () => {
    const [a] = await pairs
    const prefix = `bare-${unique()}:`
    await kv.put(`${prefix}billing`, a.publicKey)
    const keys = await new KvKeyStore({ namespace: kv, prefix }).getKeys('billing')
    expect(keys.map((k) => k.kid)).toEqual([(await importPublicKey(a.publicKey)).kid])
  })

  it('imports once and reuses the keys for the TTL, then reads KV again', async () => {
    const [a, b] = await pairs
    const prefix = `ttl-${unique()}:`
    await kv.put(`${prefix}billing`, JSON.stringify([a.publicKey]))
    const cached = new KvKeyStore({ namespace: kv, prefix, cacheTtlSeconds: 3600 })
    const uncached = new KvKeyStore({ namespace: kv, prefix, cacheTtlSeconds: 0 })
    const first = await cached.getKeys('billing')
    expect(await cached.getKeys('billing')).toBe(first)
    expect(await uncached.getKeys('billing')).toHaveLength(1)

    await kv.put(`${prefix}billing`, JSON.stringify([a.publicKey, b.publicKey]))
    expect(await cached.getKeys('billing')).toBe(first)
    expect(await uncached.getKeys('billing')).toHaveLength(2)
  })

  it('caches "no keys" too, so unknown usernames do not each cost a KV read per request', async () => {
    const [a] = await pairs
    const prefix = `neg-${unique()}:`
    const store = new KvKeyStore({ namespace: kv, prefix, cacheTtlSeconds: 3600 })
    expect(await store.getKeys('late')).toEqual([])
    await kv.put(`${prefix}late`, JSON.stringify([a.publicKey]))
    expect(await store.getKeys('late')).toEqual([])
    expect(await new KvKeyStore({ namespace: kv, prefix }).getKeys('late')).toHaveLength(1)
  })

  it('throws on a malformed value without caching the failure', async () => {
    const [a] = await pairs
    const prefix = `bad-${unique()}:`
    await kv.put(`${prefix}billing`, '["unterminated')
    const store = new KvKeyStore({ namespace: kv, prefix, cacheTtlSeconds: 3600 })
    await expect(store.getKeys('billing')).rejects.toThrow(
      expect.objectContaining({ code: 'invalid_options', message: `KvKeyStore (${prefix}billing): the value is not valid JSON` }),
    )
    await kv.put(`${prefix}billing`, JSON.stringify([a.publicKey]))
    expect(await store.getKeys('billing')).toHaveLength(1)
  })

  it('forgets the whole cache when it reaches maxCachedUsers instead of growing without bound', async () => {
    const [a, b] = await pairs
    const prefix = `max-${unique()}:`
    await kv.put(`${prefix}u0`, JSON.stringify([a.publicKey]))
    const store = new KvKeyStore({ namespace: kv, prefix, cacheTtlSeconds: 3600, maxCachedUsers: 3 })
    const first = await store.getKeys('u0')
    await Promise.all(['u1', 'u2'].map((u) => store.getKeys(u)))
    expect(await store.getKeys('u0')).toBe(first)
    await kv.put(`${prefix}u0`, JSON.stringify([a.publicKey, b.publicKey]))
    await store.getKeys('u3')
    expect(await store.getKeys('u0')).toHaveLength(2)
  })

  it('answers "no keys" for a username too long to be a KV key, instead of failing', async () => {
    const store = new KvKeyStore({ namespace: kv })
    expect(await store.getKeys('ü'.repeat(256))).toEqual([])
  })

  it('refuses bad options with an AjwtError invalid_options that says what is wrong', () => {
    const refused = (message: string) => expect.objectContaining({ name: 'AjwtError', code: 'invalid_options', message })
    expect(() => new KvKeyStore({ namespace: undefined as never })).toThrow(AjwtError)
    expect(() => new KvKeyStore({ namespace: undefined as never })).toThrow(refused('KvKeyStore needs { namespace }: a KV namespace binding'))
    expect(() => new KvKeyStore(undefined as never)).toThrow(refused('KvKeyStore needs { namespace }: a KV namespace binding'))
    const limits = refused('KvKeyStore: cacheTtlSeconds must be ≥ 0 and maxCachedUsers ≥ 1')
    expect(() => new KvKeyStore({ namespace: kv, cacheTtlSeconds: -1 })).toThrow(limits)
    expect(() => new KvKeyStore({ namespace: kv, cacheTtlSeconds: Number.NaN })).toThrow(limits)
    expect(() => new KvKeyStore({ namespace: kv, maxCachedUsers: 0 })).toThrow(limits)
  })
})
