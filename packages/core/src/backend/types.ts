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

/**
 * Checks one JWS signature over `data` with a key imported once. Never throws: false on any
 * failure. `offThread`: check off the event loop's thread where the runtime can (Node's threadpool).
 */
export type SignatureCheck = (
  algorithm: string,
  data: Uint8Array<ArrayBuffer>,
  signature: Uint8Array<ArrayBuffer>,
  offThread?: boolean,
) => boolean | Promise<boolean>

export type CreateSignatureCheck = (publicJwk: JWK, type: KeyType) => Promise<SignatureCheck>

/**
 * Decodes canonical base64url: only `A–Z a–z 0–9 - _`, no padding, the unused low bits of the last
 * character zero (RFC 7515 §2, RFC 4648 §3.5). Anything else gives `undefined`, so a token has one
 * spelling: lenient decoders ignore foreign characters and unused bits.
 */
export type DecodeBase64url = (text: string) => Uint8Array<ArrayBuffer> | undefined

/** Decodes canonical base64url (as above) to the UTF-8 text it holds; `undefined` for anything else. */
export type DecodeBase64urlText = (text: string) => string | undefined

/** The bytes of ASCII text, such as a JWS signing input. */
export type AsciiBytes = (text: string) => Uint8Array<ArrayBuffer>

/**
 * SHA-256 fed chunk by chunk, for a request body checked as it streams. `update` may return a
 * promise (a stream-backed hash): await it before the next chunk.
 */
export interface Sha256 {
  update(chunk: Uint8Array): void | Promise<void>
  /** The digest as base64url without padding; call once, after the last `update`. */
  digest(): Promise<string>
}

export type CreateSha256 = () => Sha256

/** The base64url (no padding) SHA-256 of some bytes: synchronous where the runtime allows it. */
export type Sha256Base64url = (data: Uint8Array) => string | Promise<string>
