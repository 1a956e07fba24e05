import type { JWK } from 'jose'
import type { PublicKey } from './public-key.ts'

/**
 * A JWKS document for public keys, to serve at `/.well-known/jwks.json`.
 *
 * @example
 * ```ts
 * app.get('/.well-known/jwks.json', (req, res) => res.json(toJWKS([await importPublicKey(pem)])))
 * ```
 */
export function toJWKS(keys: readonly PublicKey[]): { keys: JWK[] } {
  return { keys: keys.map((key) => key.toJWK()) }
}
