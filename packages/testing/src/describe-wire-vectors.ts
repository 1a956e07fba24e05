import { type AjwtErrorCode, createVerifier, importPublicKey, MemoryNonceStore, type PublicKey } from '@ajwt/core'
import { describe, expect, it } from 'vitest'
// The keys and tokens made by the Python reference, with their verdicts: bundled into
// @ajwt/testing, so that every runtime checks the very same bytes.
import vectors from './wire-vectors.public.json' with { type: 'json' }
import { backendName } from './backend-name.ts'

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
function verifierFor(keyName: string, now: number) {
  const key = importPublicKey(vectors.keys[keyName as KeyName].public_spki_pem)
  const keys = { getKeys: async (): Promise<readonly PublicKey[]> => [await key] }
  const nonces = new MemoryNonceStore()
  return createVerifier({ keys, nonces, now: () => now, toleranceSeconds: vectors.tolerance_seconds })
}

/**
 * Runs every wire vector of the Python reference implementation (`asymmetric_jwt_auth`) against
 * `createVerifier` on the current runtime and signature backend: each token gets the reference's
 * verdict at the vector's server time (accepted with the right username and kid, or rejected with
 * 401 and the precise code: `invalid_time`, `invalid_signature`, `invalid_algorithm`,
 * `invalid_claims`, `malformed`), the replay vector is accepted once then refused as `replay`, the
 * scheme word is matched case-insensitively, and every key format (SPKI PEM, OpenSSH, JWK) gets
 * the reference's fingerprint as kid. The vectors ship inside `@ajwt/testing`.
 *
 * @example
 * ```ts
 * // A test file run inside workerd (@cloudflare/vitest-plugin), Deno or Bun:
 * import { describeWireVectors } from '@ajwt/testing'
 * describeWireVectors('@ajwt/core in workerd')
 * ```
 */
export function describeWireVectors(name = '@ajwt/core'): void {
  describe(`Wire vectors of the Python reference: ${name} (${backendName})`, () => {
    for (const vector of vectors.cases) {
      it(`${vector.expect}s: ${vector.name}`, async () => {
        const result = await verifierFor(vector.verify_with, vector.now).verify(`JWT ${vector.token}`)
        if (vector.expect === 'accept') {
          expect(result.ok ? 'accepted' : `${result.error.code}: ${result.error.detail}`).toBe('accepted')
          if (!result.ok) return
          expect(result.auth.username).toBe(vector.reference_result)
          expect(result.auth.kid).toBe(vectors.keys[vector.verify_with as KeyName].kid)
        } else {
          expect(result.ok).toBe(false)
          if (result.ok) return
          expect(result.error.code, result.error.detail).toBe(REASONS[vector.reason ?? ''])
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
      expect(second.ok ? 'accepted' : second.error.code).toBe(REASONS[replay.reason])
    })

    it('matches the scheme word case-insensitively, as the reference does', async () => {
      const vector = vectors.cases.find((candidate) => candidate.expect === 'accept')
      if (vector === undefined) throw new Error('the vectors hold no accepted token')
      for (const scheme of ['jwt', 'Jwt', 'JWT', 'jWT']) {
        const result = await verifierFor(vector.verify_with, vector.now).verify(`${scheme} ${vector.token}`)
        expect(result.ok, scheme).toBe(true)
      }
    })

    it('computes the reference fingerprint as kid for every key format', async () => {
      for (const [keyName, key] of Object.entries(vectors.keys)) {
        for (const input of [key.public_spki_pem, key.public_openssh, key.public_jwk]) {
          const imported = await importPublicKey(input)
          expect(imported.fingerprint, keyName).toBe(key.kid)
          expect(imported.kid, keyName).toBe(key.kid)
          expect(
            [...imported.algorithms].filter((algorithm) => algorithm !== 'Ed25519'),
            keyName,
          ).toEqual(key.algorithms)
        }
      }
    })
  })
}
