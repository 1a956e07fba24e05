import type { AjwtError } from '../errors/ajwt-error.ts'
import type { KeyStore, NonceStore } from '../stores/types.ts'

/**
 * The verified identity of a request.
 *
 * @example
 * ```ts
 * const result = await verifier.verify(request.headers.get('authorization'))
 * if (result.ok) console.log(result.auth.username, result.auth.kid)
 * ```
 */
export interface Auth {
  username: string
  /** The kid of the key that verified the signature. */
  kid: string
  /** The token's `time` claim, unix seconds. */
  time: number
  nonce: string
  /** Every claim of the token, including any extra ones. */
  claims: Record<string, unknown>
}

/**
 * What {@link Verifier.verify} answers: never throws, every failure is an {@link AjwtError}.
 *
 * @example
 * ```ts
 * const result: VerifyResult = await verifier.verify(header)
 * if (!result.ok) log.info(result.error.code)
 * ```
 */
export type VerifyResult = { ok: true; auth: Auth } | { ok: false; error: AjwtError }

/**
 * Options of `createVerifier`.
 *
 * @example
 * ```ts
 * createVerifier({ keys: new MemoryKeyStore({ billing: [pem] }), nonces: new MemoryNonceStore() })
 * ```
 */
export interface VerifierOptions {
  keys: KeyStore
  nonces: NonceStore
  /** How far a token's `time` may be from the server clock, in seconds. Default 20. */
  toleranceSeconds?: number
  /**
   * The most, in seconds, that the clocks of the servers sharing one nonce store may differ
   * (and that one server's clock may step back). Nonce records are kept this much longer than
   * this server could still accept the token, so that a server whose clock lags never accepts
   * it again. Default 10: raise it if your servers' clocks are not kept in sync.
   */
  clockSkewSeconds?: number
  /**
   * The most keys one token's signature is checked against when its `kid` names none of the
   * user's keys (or it has none, like the Python reference's tokens). A user with more keys of
   * that algorithm must send the `kid` of one. Default 8.
   */
  maxKeysTried?: number
  /** The Authorization scheme word, matched case-insensitively. Default `JWT`. */
  scheme?: string
  /** The server clock in unix seconds (for tests). */
  now?: () => number
  /** Authorization headers longer than this are refused before any parsing. Default 8192. */
  maxHeaderLength?: number
  /** Called after each accepted request (errors thrown here are ignored). */
  onVerified?: (auth: Auth) => void
  /** Called with the precise reason of each rejection: log it here (errors thrown here are ignored). */
  onRejected?: (error: AjwtError) => void
}

/**
 * Checks `Authorization` headers. Create one per app and share it.
 *
 * @example
 * ```ts
 * const result = await verifier.verify('JWT eyJhbGciOiJFZERTQSIs…')
 * ```
 */
export interface Verifier {
  /** The scheme word this verifier answers to. */
  readonly scheme: string
  verify(authorization: string | null | undefined): Promise<VerifyResult>
}
