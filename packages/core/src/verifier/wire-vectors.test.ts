import { describe, expect, it } from 'vitest'
import vectors from '../../test/fixtures/wire-vectors.json' with { type: 'json' }
import type { AjwtErrorCode } from '../errors/ajwt-error.ts'
import { importPublicKey } from '../keys/import-public-key.ts'
import type { PublicKey } from '../keys/public-key.ts'
import { MemoryNonceStore } from '../stores/memory-nonce-store.ts'
import { createVerifier } from './create-verifier.ts'

type KeyName = keyof typeof vectors.keys

// The reasons the Python reference gives, and the precise codes they correspond to here.
const REASONS: Record<string, AjwtErrorCode> = {
  time: 'invalid_time',
  signature: 'invalid_signature',
  algorithm: 'invalid_algorithm',
  claims: 'invalid_claims',
  malformed: 'malformed',
  replay: 'replay',
}

// As in the reference's own tests, the vector's key is the key of whichever user the token names.
function verifierFor(keyName: string, now: number, nonces = new MemoryNonceStore({ now: () => now })) {
  const key = importPublicKey(vectors.keys[keyName as KeyName].public_spki_pem)
  const keys = { getKeys: async (): Promise<readonly PublicKey[]> => [await key] }
  return createVerifier({ keys, nonces, now: () => now, toleranceSeconds: vectors.tolerance_seconds })
}

describe('wire vectors from the Python reference', () => {
  for (const vector of vectors.cases) {
    it(`${vector.expect}s: ${vector.name}`, async () => {
      const result = await verifierFor(vector.verify_with, vector.now).verify(`JWT ${vector.token}`)
      if (vector.expect === 'accept') {
        expect(result.ok).toBe(true)
        if (!result.ok) return
        expect(result.auth.username).toBe(vector.reference_result)
        expect(result.auth.kid).toBe(vectors.keys[vector.verify_with as KeyName].kid)
      } else {
        expect(result.ok).toBe(false)
        if (result.ok) return
        expect(result.error.code).toBe(REASONS[vector.reason!])
        expect(result.error.status).toBe(401)
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

  it('matches the scheme word case-insensitively, as the reference does', async () => {
    const vector = vectors.cases[1]!
    for (const scheme of ['jwt', 'Jwt', 'JWT']) {
      const result = await verifierFor(vector.verify_with, vector.now).verify(`${scheme} ${vector.token}`)
      expect(result.ok).toBe(true)
    }
  })

  it('computes the reference fingerprint as kid for every key format', async () => {
    for (const [name, key] of Object.entries(vectors.keys)) {
      const inputs = [key.public_spki_pem, key.public_openssh, key.public_jwk]
      for (const input of inputs) {
        const imported = await importPublicKey(input)
        expect(imported.fingerprint, name).toBe(key.kid)
        expect([...imported.algorithms].filter((a) => a !== 'Ed25519'), name).toEqual(key.algorithms)
      }
    }
  })
})
