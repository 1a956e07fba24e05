import { type CryptoKey, importJWK, type JWK } from 'jose'
import { AjwtError } from '../errors/ajwt-error.ts'
import type { KeyType } from '../backend/types.ts'
import { keyTypeOf, publicKeyFromJwk, type PublicKey } from './public-key.ts'

/**
 * A client's private key, imported once, with the public half (and so the `kid`) it signs for.
 *
 * @example
 * ```ts
 * const key = await importPrivateKey(pem)
 * key.algorithm        // 'EdDSA' or 'RS512': what this client signs with
 * key.publicKey.kid    // the kid its tokens carry
 * ```
 */
export interface PrivateKey {
  readonly type: KeyType
  /** The algorithm tokens are signed with: RS512 for RSA (as the Python client), EdDSA for Ed25519. */
  readonly algorithm: 'RS512' | 'EdDSA'
  readonly kid: string
  readonly publicKey: PublicKey
  /** The WebCrypto key that signs (not extractable). */
  readonly signingKey: CryptoKey
}

export async function privateKeyFromJwk(jwk: JWK): Promise<PrivateKey> {
  const type = keyTypeOf(jwk)
  if (typeof jwk.d !== 'string') throw new AjwtError('invalid_key', 'this is a public key: a private key is needed to sign')
  const publicKey = await publicKeyFromJwk(jwk)
  const algorithm = type === 'rsa' ? 'RS512' : 'EdDSA'
  const { kid: _kid, alg: _alg, use: _use, key_ops: _ops, ext: _ext, ...material } = jwk
  let signingKey: CryptoKey
  try {
    signingKey = (await importJWK(material, type === 'rsa' ? 'RS512' : 'Ed25519')) as CryptoKey
  } catch (cause) {
    // The runtime's message may quote the key: keep it in `cause` only.
    throw new AjwtError('invalid_key', `the ${type} private key could not be imported: its parameters are invalid`, { cause })
  }
  return { type, algorithm, kid: publicKey.kid, publicKey, signingKey }
}

/**
 * Whether a value is an imported {@link PrivateKey}.
 *
 * @example
 * ```ts
 * const key = isPrivateKey(input) ? input : await importPrivateKey(input)
 * ```
 */
export function isPrivateKey(value: unknown): value is PrivateKey {
  return (
    typeof value === 'object' &&
    value !== null &&
    'signingKey' in value &&
    'publicKey' in value &&
    typeof (value as PrivateKey).kid === 'string'
  )
}
