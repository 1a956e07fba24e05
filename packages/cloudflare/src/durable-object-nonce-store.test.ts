import { AjwtError, createSigner, createVerifier, generateKeyPair, MemoryKeyStore } from '@ajwt/core'
import { describeNonceStore } from '@ajwt/testing'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { DurableObjectNonceStore } from './durable-object-nonce-store.ts'
import type { NonceStoreObject } from './nonce-store-object.ts'

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
const nowSeconds = () => Math.floor(Date.now() / 1000)

describeNonceStore('DurableObjectNonceStore', () => new DurableObjectNonceStore(env.AJWT_NONCES), { concurrency: 100 })
describeNonceStore('DurableObjectNonceStore, 8 shards', () => new DurableObjectNonceStore(env.AJWT_NONCES, { shards: 8 }), {
  concurrency: 100,
})

describe('DurableObjectNonceStore', () => {
  it('lets exactly one of 100 concurrent claims win, each through its own store and stub', async () => {
    const user = `race-${unique()}`
    const time = nowSeconds()
    const results = await Promise.all(
      Array.from({ length: 100 }, () => new DurableObjectNonceStore(env.AJWT_NONCES, { shards: 4 }).claim({ username: user, time, nonce: 'one', ttlMs: 20_000 })),
    )
    expect(results.filter(Boolean)).toHaveLength(1)
  })

  it('routes one (username, nonce) to one object and spreads a client\'s nonces over the shards', () => {
    const store = new DurableObjectNonceStore(env.AJWT_NONCES, { shards: 8 })
    expect(store.objectName('billing', 'abc')).toBe(new DurableObjectNonceStore(env.AJWT_NONCES, { shards: 8 }).objectName('billing', 'abc'))
    const names = new Set(Array.from({ length: 64 }, (_, i) => store.objectName('billing', `nonce-${i}`)))
    expect(names.size).toBeGreaterThan(4)
    for (const name of names) expect(name).toMatch(/^billing#[0-7]$/)
    expect(new DurableObjectNonceStore(env.AJWT_NONCES).objectName('billing', 'abc')).toBe('billing')
  })

  it('throws when the object cannot answer, so the verifier fails closed', async () => {
    const store = new DurableObjectNonceStore(env.UNAVAILABLE_NONCES as never)
    const time = nowSeconds()
    await expect(store.claim({ username: `u-${unique()}`, time, nonce: 'n', ttlMs: 20_000 })).rejects.toThrow('unavailable')
  })

  it('refuses a binding of another Durable Object class at its first answer, and the request fails closed', async () => {
    const store = new DurableObjectNonceStore(env.WRONG_NONCES as unknown as DurableObjectNamespace<NonceStoreObject>)
    const time = nowSeconds()
    await expect(store.claim({ username: `u-${unique()}`, time, nonce: 'n', ttlMs: 20_000 })).rejects.toThrow(
      expect.objectContaining({
        name: 'AjwtError',
        code: 'invalid_options',
        message: 'the nonce Durable Object did not answer a boolean: is the binding a NonceStoreObject?',
      }),
    )
    const { publicKey, privateKey } = await generateKeyPair('ed25519')
    const verifier = createVerifier({ keys: new MemoryKeyStore({ billing: [publicKey] }), nonces: store })
    const result = await verifier.verify(await createSigner({ username: 'billing', privateKey }).authorization())
    expect(result.ok ? 'accepted' : [result.error.code, result.error.status]).toEqual(['store_unavailable', 503])
  })

  it('refuses bad options with an AjwtError invalid_options that says what is wrong', () => {
    const refused = (message: string) => expect.objectContaining({ name: 'AjwtError', code: 'invalid_options', message })
    for (const namespace of [undefined, {}, env.AJWT_KEYS_KV]) {
      expect(() => new DurableObjectNonceStore(namespace as never)).toThrow(
        refused('DurableObjectNonceStore needs a Durable Object namespace binding of NonceStoreObject (is it declared in wrangler.jsonc?)'),
      )
    }
    for (const shards of [0, -1, 1.5, Number.NaN]) {
      const create = () => new DurableObjectNonceStore(env.AJWT_NONCES, { shards })
      expect(create).toThrow(AjwtError)
      expect(create).toThrow(refused(`DurableObjectNonceStore: shards must be a positive integer, got ${shards}`))
    }
  })

  it('rejects malformed claims at the object instead of storing them', async () => {
    const store = new DurableObjectNonceStore(env.AJWT_NONCES)
    await expect(store.claim({ username: `u-${unique()}`, time: 1.5, nonce: 'n', ttlMs: 20_000 })).rejects.toThrow(TypeError)
    await expect(store.claim({ username: `u-${unique()}`, time: 1, nonce: 'n', ttlMs: Number.NaN })).rejects.toThrow(TypeError)
    await expect(store.claim({ username: `u-${unique()}`, time: 1, nonce: 'n', ttlMs: 0 })).rejects.toThrow(TypeError)
    // A caller of the old positional interface is refused, never accepted.
    const positional = store.claim.bind(store) as unknown as (...args: unknown[]) => Promise<boolean>
    await expect(positional(`u-${unique()}`, 1, 'n', 20)).rejects.toThrow(TypeError)
  })
})
