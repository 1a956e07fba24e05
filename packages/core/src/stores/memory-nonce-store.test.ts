import { describeNonceStore } from '@ajwt/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { claims, expectAjwtError, headerFor, NOW, signToken, vectors } from '../../test/helpers.ts'
import { importPublicKey } from '../keys/import-public-key.ts'
import { createVerifier } from '../verifier/create-verifier.ts'
import { MemoryNonceStore } from './memory-nonce-store.ts'

describeNonceStore('MemoryNonceStore', () => new MemoryNonceStore())

const claim = (nonce: string, ttlMs = 21_000, username = 'guido', time = NOW) => ({ username, time, nonce, ttlMs })

describe('MemoryNonceStore', () => {
  it('holds an entry for ttlMs on its own clock, and releases it then', async () => {
    let clock = 5_000
    const store = new MemoryNonceStore({ clock: () => clock })
    expect(await store.claim(claim('n'))).toBe(true)
    for (const at of [5_000, 25_000, 25_999.9]) {
      clock = at
      expect(await store.claim(claim('n'))).toBe(false)
      expect(store.size).toBe(1)
    }
    clock = 26_000
    expect(store.size).toBe(0)
    expect(await store.claim(claim('n'))).toBe(true)
    expect(await store.claim(claim('n'))).toBe(false)
  })

  it('never expires by the token time: a claim of an old or future time lives its whole ttl', async () => {
    let clock = 0
    const store = new MemoryNonceStore({ clock: () => clock })
    for (const time of [1, NOW - 3600, NOW + 3600]) expect(await store.claim(claim('n', 5_000, 'guido', time))).toBe(true)
    clock = 4_999
    for (const time of [1, NOW - 3600, NOW + 3600]) expect(await store.claim(claim('n', 5_000, 'guido', time))).toBe(false)
  })

  it('reclaims expired entries as time passes, oldest first, whatever the claim order', async () => {
    let clock = 0
    const store = new MemoryNonceStore({ clock: () => clock })
    // 1 000 entries, 100 expiring at each of 1 s … 10 s, claimed in a scrambled order.
    for (let i = 0; i < 1000; i++) {
      const j = (i * 7919) % 1000
      expect(await store.claim(claim(`n-${j}`, ((j % 10) + 1) * 1000, `user-${j}`))).toBe(true)
    }
    expect(store.size).toBe(1000)
    for (let k = 1; k <= 10; k++) {
      clock = k * 1000
      expect(store.size).toBe(1000 - 100 * k)
    }
  })

  it('fails closed when full: it throws store_unavailable rather than forget a nonce', async () => {
    let clock = 0
    const store = new MemoryNonceStore({ maxEntries: 3, clock: () => clock })
    for (const nonce of ['a', 'b', 'c']) expect(await store.claim(claim(nonce))).toBe(true)
    await expectAjwtError(() => store.claim(claim('d')), 'store_unavailable')
    // A replay is still recognised as one while full.
    expect(await store.claim(claim('a'))).toBe(false)
    clock = 21_000
    expect(await store.claim(claim('d'))).toBe(true)
  })

  it('a full store makes the verifier answer 503 (never accept unrecorded)', async () => {
    const key = await importPublicKey(vectors.keys.ed25519.public_spki_pem)
    const verifier = createVerifier({
      keys: { getKeys: async () => [key] },
      nonces: new MemoryNonceStore({ maxEntries: 2 }),
      now: () => NOW,
    })
    const verdicts = []
    for (let i = 0; i < 3; i++) {
      const result = await verifier.verify(`JWT ${signToken(headerFor('ed25519'), claims(), 'ed25519')}`)
      verdicts.push(result.ok ? 200 : result.error.status)
    }
    expect(verdicts).toEqual([200, 200, 503])
  })

  it('refuses a ttl it cannot keep (NaN, infinite, < 1 ms, not a number), claim shapes and bad options', async () => {
    const store = new MemoryNonceStore()
    for (const ttlMs of [Number.NaN, Number.POSITIVE_INFINITY, 0, 0.5, -5, '1000']) {
      await expectAjwtError(() => store.claim(claim('n', ttlMs as number)), 'invalid_options', /ttlMs/)
    }
    // A store written for the old positional interface must fail closed, never accept.
    const positional = store.claim as unknown as (...args: unknown[]) => Promise<boolean>
    await expectAjwtError(() => positional.call(store, 'guido', NOW, 'n', NOW + 21), 'invalid_options')
    expect(store.size).toBe(0)
    for (const maxEntries of [0, -1, Number.NaN]) {
      await expectAjwtError(() => new MemoryNonceStore({ maxEntries }), 'invalid_options', /maxEntries/)
    }
    await expectAjwtError(() => new MemoryNonceStore({ clock: 5 as unknown as () => number }), 'invalid_options', /clock/)
  })

  it('a broken clock fails closed instead of forgetting what was claimed', async () => {
    let clock = 0
    const store = new MemoryNonceStore({ clock: () => clock })
    expect(await store.claim(claim('n'))).toBe(true)
    clock = Number.NaN
    await expectAjwtError(() => store.claim(claim('n')), 'store_unavailable', /clock/)
    clock = 1
    expect(await store.claim(claim('n'))).toBe(false)
  })

  it('keeps the parts of a claim apart', async () => {
    const store = new MemoryNonceStore()
    expect(await store.claim(claim(`1\u0000b`, 21_000, 'a'))).toBe(true)
    expect(await store.claim(claim('b', 21_000, `a\u0000${NOW}`, 1))).toBe(true)
    expect(await store.claim(claim(`1\u0000b`, 21_000, 'a'))).toBe(false)
  })

  it('agrees with a model through growth, clustering and shrinking: never a second true while a record lives', async () => {
    // The model: a record claimed at `now` lives until ttlMs has passed, rounded up to a whole
    // second; the table grows past 512 entries, shrinks as they expire, and deletes in clusters.
    const step = fc.oneof(
      fc.record({ claim: fc.integer({ min: 0, max: 3000 }), ttlMs: fc.integer({ min: 1, max: 5000 }) }),
      fc.record({ advance: fc.integer({ min: 0, max: 1500 }) }),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 200, maxLength: 3000 }), async (steps) => {
        let clock = 0
        const store = new MemoryNonceStore({ clock: () => clock })
        const model = new Map<number, number>()
        for (const s of steps) {
          if ('advance' in s) {
            clock += s.advance
            for (const [n, until] of model) if (until <= clock) model.delete(n)
            expect(store.size).toBe(model.size)
            continue
          }
          for (const [n, until] of model) if (until <= clock) model.delete(n)
          const fresh = !model.has(s.claim)
          expect(await store.claim(claim(`n-${s.claim}`, s.ttlMs))).toBe(fresh)
          if (fresh) model.set(s.claim, Math.ceil((clock + s.ttlMs) / 1000) * 1000)
        }
        clock += 6000
        expect(store.size).toBe(0)
      }),
      { numRuns: 60 },
    )
  })

  it('holds 20 000 live entries and gives every one back, then claims them afresh', async () => {
    let clock = 0
    const store = new MemoryNonceStore({ clock: () => clock })
    for (let i = 0; i < 20_000; i++) expect(await store.claim(claim(`n-${i}`, 1000 + (i % 7) * 1000))).toBe(true)
    for (let i = 0; i < 20_000; i += 97) expect(await store.claim(claim(`n-${i}`))).toBe(false)
    for (let s = 1; s <= 7; s++) {
      clock = s * 1000
      let live = 0
      for (let i = 0; i < 20_000; i++) if ((i % 7) + 1 > s) live++
      expect(store.size).toBe(live)
    }
    for (let i = 0; i < 20_000; i += 13) expect(await store.claim(claim(`n-${i}`))).toBe(true)
  })
})
