import { describe, expect, it } from 'vitest'
import { claims, headerFor, NOW, RecordingNonceStore, signToken, vectors } from '../../test/helpers.ts'
import { importPublicKey } from '../keys/import-public-key.ts'
import type { PublicKey } from '../keys/public-key.ts'
import { MemoryKeyStore } from '../stores/memory-key-store.ts'
import type { KeyStore } from '../stores/types.ts'
import { createVerifier } from './create-verifier.ts'

const N = 50

/** Counts, per key, signature checks and reads of `fingerprint` (which only indexing does). */
function instrument(key: PublicKey) {
  const counts = { checks: 0, fingerprintReads: 0 }
  const proxy = new Proxy(key, {
    get(target, property) {
      if (property === 'fingerprint') counts.fingerprintReads++
      if (property === 'verifySignature') {
        return (...args: Parameters<PublicKey['verifySignature']>) => {
          counts.checks++
          return target.verifySignature(...args)
        }
      }
      return Reflect.get(target, property, target)
    },
  })
  return { proxy, counts }
}

describe('the hot path: keys are imported once, never per request', () => {
  for (const name of ['ed25519', 'rsa'] as const) {
    it(`${name}: ${N} requests cost ${N} lookups and ${N} signature checks, and the kid index is built once`, async () => {
      const other = instrument(await importPublicKey(vectors.keys.ed25519_other.public_spki_pem))
      const own = instrument(await importPublicKey(vectors.keys[name].public_spki_pem))
      const userKeys: readonly PublicKey[] = Object.freeze([other.proxy, own.proxy])
      let lookups = 0
      const keys: KeyStore = {
        getKeys: async () => {
          lookups++
          return userKeys
        },
      }
      const verifier = createVerifier({ keys, nonces: new RecordingNonceStore(), now: () => NOW })
      for (let i = 0; i < N; i++) {
        const result = await verifier.verify(`JWT ${signToken(headerFor(name), claims(), name)}`)
        expect(result.ok && result.auth.kid).toBe(vectors.keys[name].kid)
      }
      expect(lookups).toBe(N)
      expect(own.counts.checks).toBe(N)
      expect(other.counts.checks).toBe(0)
      expect(own.counts.fingerprintReads).toBe(1)
      expect(other.counts.fingerprintReads).toBe(1)
    })
  }

  it('MemoryKeyStore hands out the very same imported keys on every lookup', async () => {
    const store = new MemoryKeyStore({ guido: [vectors.keys.ed25519.public_openssh, vectors.keys.rsa.public_spki_pem] })
    const first = await store.getKeys('guido')
    const verifier = createVerifier({ keys: store, nonces: new RecordingNonceStore(), now: () => NOW })
    for (let i = 0; i < 5; i++) {
      expect((await verifier.verify(`JWT ${signToken(headerFor('rsa'), claims(), 'rsa')}`)).ok).toBe(true)
      const again = await store.getKeys('guido')
      expect(again).toBe(first)
      again.forEach((key, k) => expect(key).toBe(first[k]))
    }
  })
})
