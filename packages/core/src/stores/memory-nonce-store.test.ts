import { describe, expect, it } from 'vitest'
import { claims, expectAjwtError, headerFor, NOW, signToken, vectors } from '../../test/helpers.ts'
import { importPublicKey } from '../keys/import-public-key.ts'
import { describeNonceStore } from '../testing/describe-nonce-store.ts'
import { createVerifier } from '../verifier/create-verifier.ts'
import { MemoryNonceStore } from './memory-nonce-store.ts'

describeNonceStore('MemoryNonceStore', () => new MemoryNonceStore())

describe('MemoryNonceStore', () => {
  it('holds an entry while the clock is before expiresAt, and releases it then', async () => {
    let clock = NOW
    const store = new MemoryNonceStore({ now: () => clock })
    expect(await store.claim('guido', NOW, 'n', NOW + 21)).toBe(true)
    for (const at of [NOW, NOW + 20, NOW + 20.999]) {
      clock = at
      expect(await store.claim('guido', NOW, 'n', NOW + 21)).toBe(false)
      expect(store.size).toBe(1)
    }
    clock = NOW + 21
    expect(store.size).toBe(0)
    expect(await store.claim('guido', NOW, 'n', NOW + 42)).toBe(true)
    expect(await store.claim('guido', NOW, 'n', NOW + 42)).toBe(false)
  })

  it('reclaims expired entries as time passes, oldest first, whatever the claim order', async () => {
    let clock = NOW
    const store = new MemoryNonceStore({ now: () => clock })
    // 1 000 entries, 100 expiring at each of NOW+1 … NOW+10, claimed in a scrambled order.
    for (let i = 0; i < 1000; i++) {
      const j = (i * 7919) % 1000
      expect(await store.claim(`user-${j}`, NOW, `n-${j}`, NOW + (j % 10) + 1)).toBe(true)
    }
    expect(store.size).toBe(1000)
    for (let k = 1; k <= 10; k++) {
      clock = NOW + k
      expect(store.size).toBe(1000 - 100 * k)
    }
  })

  it('fails closed when full: it throws store_unavailable rather than forget a nonce', async () => {
    let clock = NOW
    const store = new MemoryNonceStore({ maxEntries: 3, now: () => clock })
    for (const nonce of ['a', 'b', 'c']) expect(await store.claim('guido', NOW, nonce, NOW + 21)).toBe(true)
    await expectAjwtError(() => store.claim('guido', NOW, 'd', NOW + 21), 'store_unavailable')
    // A replay is still recognised as one while full.
    expect(await store.claim('guido', NOW, 'a', NOW + 21)).toBe(false)
    clock = NOW + 21
    expect(await store.claim('guido', NOW + 21, 'd', NOW + 42)).toBe(true)
  })

  it('a full store makes the verifier answer 503 (never accept unrecorded)', async () => {
    const key = await importPublicKey(vectors.keys.ed25519.public_spki_pem)
    const verifier = createVerifier({
      keys: { getKeys: async () => [key] },
      nonces: new MemoryNonceStore({ maxEntries: 2, now: () => NOW }),
      now: () => NOW,
    })
    const verdicts = []
    for (let i = 0; i < 3; i++) {
      const result = await verifier.verify(`JWT ${signToken(headerFor('ed25519'), claims(), 'ed25519')}`)
      verdicts.push(result.ok ? 200 : result.error.status)
    }
    expect(verdicts).toEqual([200, 200, 503])
  })

  it('refuses a NaN expiry (it would stop reclaiming) and bad options', async () => {
    const store = new MemoryNonceStore({ now: () => NOW })
    await expectAjwtError(() => store.claim('guido', NOW, 'n', Number.NaN), 'invalid_options')
    await expectAjwtError(() => store.claim('guido', NOW, 'n', '1' as unknown as number), 'invalid_options')
    expect(store.size).toBe(0)
    for (const maxEntries of [0, -1, Number.NaN]) {
      await expectAjwtError(() => new MemoryNonceStore({ maxEntries }), 'invalid_options', /maxEntries/)
    }
  })

  it('a broken clock fails closed instead of forgetting what was claimed', async () => {
    let clock = NOW
    const store = new MemoryNonceStore({ now: () => clock })
    expect(await store.claim('guido', NOW, 'n', NOW + 21)).toBe(true)
    clock = Number.NaN
    await expectAjwtError(() => store.claim('guido', NOW, 'n', NOW + 21), 'store_unavailable', /clock/)
    clock = NOW + 1
    expect(await store.claim('guido', NOW, 'n', NOW + 21)).toBe(false)
  })

  it('keeps the parts of a claim apart', async () => {
    const store = new MemoryNonceStore({ now: () => NOW })
    expect(await store.claim('a', NOW, `1\u0000b`, NOW + 21)).toBe(true)
    expect(await store.claim(`a\u0000${NOW}`, 1, 'b', NOW + 21)).toBe(true)
    expect(await store.claim('a', NOW, `1\u0000b`, NOW + 21)).toBe(false)
  })
})
