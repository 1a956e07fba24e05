import { createVerifier, importPublicKey, MemoryNonceStore, type PublicKey } from '@ajwt/core'
import { describe, expect, it } from 'vitest'
// Core's own fixture: the keys and tokens made by the Python reference, with their verdicts.
import vectors from '../../core/test/fixtures/wire-vectors.json' with { type: 'json' }

type KeyName = keyof typeof vectors.keys

function verifierFor(keyName: string, now: number) {
  const key = importPublicKey(vectors.keys[keyName as KeyName].public_spki_pem)
  const keys = { getKeys: async (): Promise<readonly PublicKey[]> => [await key] }
  const nonces = new MemoryNonceStore({ now: () => now })
  return createVerifier({ keys, nonces, now: () => now, toleranceSeconds: vectors.tolerance_seconds })
}

describe('@ajwt/core in workerd: the Python wire vectors', () => {
  it('resolves the WebCrypto backend, not node:crypto', async () => {
    // The node:crypto backend answers signature checks synchronously, WebCrypto with a promise.
    const key = await importPublicKey(vectors.keys[vectors.cases[0]!.verify_with as KeyName].public_spki_pem)
    const answer = key.verifySignature(key.algorithms[0]!, new Uint8Array(1), new Uint8Array(64))
    expect(answer).toBeInstanceOf(Promise)
    expect(await answer).toBe(false)
  })

  for (const vector of vectors.cases) {
    it(`${vector.expect}s: ${vector.name}`, async () => {
      const result = await verifierFor(vector.verify_with, vector.now).verify(`JWT ${vector.token}`)
      if (vector.expect === 'accept') {
        expect(result.ok && result.auth.username).toBe(vector.reference_result)
        expect(result.ok && result.auth.kid).toBe(vectors.keys[vector.verify_with as KeyName].kid)
      } else {
        expect(result.ok).toBe(false)
        expect(result.ok ? 0 : result.error.status).toBe(401)
      }
    })
  }

  it('accepts the replay vector once, then rejects it as a replay', async () => {
    const { replay } = vectors
    const verifier = verifierFor(replay.verify_with, replay.now)
    const first = await verifier.verify(`JWT ${replay.token}`)
    const second = await verifier.verify(`JWT ${replay.token}`)
    expect(first.ok).toBe(true)
    expect(second.ok ? 'accepted' : second.error.code).toBe('replay')
  })

  it('computes the reference fingerprint as kid for every key format', async () => {
    for (const [name, key] of Object.entries(vectors.keys)) {
      for (const input of [key.public_spki_pem, key.public_openssh, key.public_jwk]) {
        expect((await importPublicKey(input)).fingerprint, name).toBe(key.kid)
      }
    }
  })
})
