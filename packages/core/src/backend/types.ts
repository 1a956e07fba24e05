import type { JWK } from 'jose'

/**
 * The two kinds of keys ajwt accepts.
 *
 * @example
 * ```ts
 * const type: KeyType = (await importPublicKey(pem)).type // 'ed25519' | 'rsa'
 * ```
 */
export type KeyType = 'ed25519' | 'rsa'

/** Checks one JWS signature over `data` with a key imported once. Never throws: false on any failure. */
export type SignatureCheck = (
  algorithm: string,
  data: Uint8Array<ArrayBuffer>,
  signature: Uint8Array<ArrayBuffer>,
) => boolean | Promise<boolean>

export type CreateSignatureCheck = (publicJwk: JWK, type: KeyType) => Promise<SignatureCheck>
