import { createPrivateKey, generateKeyPairSync } from 'node:crypto'
import { createSigner, createVerifier, importPublicKey, MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
import { describe, expect, it } from 'vitest'
import { signToken } from './tokens.ts'
import { USERNAME, type Alg } from './types.ts'

const decode = (token: string): [Record<string, unknown>, Record<string, unknown>] => {
  const [header, claims] = token.split('.')
  return [JSON.parse(Buffer.from(header!, 'base64url').toString()), JSON.parse(Buffer.from(claims!, 'base64url').toString())]
}

describe('the pool tokens', () => {
  for (const [alg, type] of [['EdDSA', 'ed25519'], ['RS256', 'rsa']] as [Alg, 'ed25519' | 'rsa'][]) {
    it(`are what createSigner makes, plus exp, and ajwt accepts them once (${alg})`, async () => {
      const pair = generateKeyPairSync(type as 'rsa', {
        modulusLength: 2048,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      })
      const kid = (await importPublicKey(pair.publicKey)).kid
      const now = 1_800_000_000
      const ours = signToken(alg, createPrivateKey(pair.privateKey), kid, now, 'n0nce-1', now + 60)
      const theirs = await createSigner({ username: USERNAME, privateKey: pair.privateKey, now: () => now }).token()
      const [ourHeader, ourClaims] = decode(ours)
      const [theirHeader, theirClaims] = decode(theirs)
      // createSigner signs RS512 with RSA keys; the pool signs the algorithm under test.
      expect({ ...ourHeader, alg: 'any' }).toEqual({ ...theirHeader, alg: 'any' })
      expect(Object.keys(ourClaims).sort()).toEqual([...Object.keys(theirClaims), 'exp'].sort())
      expect(ourClaims).toMatchObject({ username: USERNAME, time: now, nonce: 'n0nce-1', exp: now + 60 })

      const verifier = createVerifier({ keys: new MemoryKeyStore({ [USERNAME]: [pair.publicKey] }), nonces: new MemoryNonceStore(), now: () => now })
      expect(await verifier.verify(`JWT ${ours}`)).toMatchObject({ ok: true, auth: { username: USERNAME, kid, nonce: 'n0nce-1' } })
      expect(await verifier.verify(`JWT ${ours}`)).toMatchObject({ ok: false, error: { code: 'replay' } })
    }, 30_000)
  }
})
