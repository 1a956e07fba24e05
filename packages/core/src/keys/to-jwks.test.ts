import { importJWK, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { claims, headerFor, signToken, vectors } from '../../test/helpers.ts'
import { importPublicKey } from './import-public-key.ts'
import { toJWKS } from './to-jwks.ts'

describe('toJWKS', () => {
  it('serves each key with kid, alg and use, and jose imports them back to verify tokens', async () => {
    const keys = await Promise.all(
      (['ed25519', 'rsa', 'rsa3072'] as const).map((name) => importPublicKey(vectors.keys[name].public_openssh)),
    )
    const jwks = toJWKS(keys)
    expect(JSON.parse(JSON.stringify(jwks))).toEqual(jwks)
    expect(jwks.keys.map((k) => [k.kid, k.alg, k.use])).toEqual([
      [vectors.keys.ed25519.kid, 'EdDSA', 'sig'],
      [vectors.keys.rsa.kid, 'RS512', 'sig'],
      [vectors.keys.rsa3072.kid, 'RS512', 'sig'],
    ])
    for (const jwk of jwks.keys) {
      expect(jwk).not.toHaveProperty('d')
      expect(Object.keys(jwk)).not.toContain('comment')
    }
    for (const [jwk, name] of [[jwks.keys[0]!, 'ed25519'], [jwks.keys[1]!, 'rsa']] as const) {
      const key = await importJWK(jwk)
      const token = signToken(headerFor(name), claims(), name)
      const { payload, protectedHeader } = await jwtVerify(token, key)
      expect(payload.username).toBe('guido')
      expect(protectedHeader.kid).toBe(jwk.kid)
      // A JWKS consumer (e.g. JwksKeyStore) imports the entries back to the same fingerprint.
      expect((await importPublicKey(jwk)).fingerprint).toBe(vectors.keys[name].kid)
    }
  })

  it('is empty for no keys', () => {
    expect(toJWKS([])).toEqual({ keys: [] })
  })
})
