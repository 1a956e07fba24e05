import { base64url, decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose'
import { AjwtError, type AjwtErrorCode } from '../errors/ajwt-error.ts'
import type { PublicKey } from '../keys/public-key.ts'
import { credentialsFor } from './authorization.ts'
import type { Auth, Verifier, VerifierOptions, VerifyResult } from './types.ts'

const ALGORITHMS: ReadonlySet<string> = new Set(['RS512', 'RS384', 'RS256', 'EdDSA', 'Ed25519'])
// Headers that would make a verifier fetch or trust key material named by the token itself.
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit', 'zip', 'enc'] as const
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/
const KID = /^[A-Za-z0-9_.:+=-]{1,256}$/
const MAX_USERNAME = 256
const MAX_NONCE = 128

const encoder = new TextEncoder()

/**
 * Creates the server side: checks `Authorization: JWT <token>` headers against each user's public
 * keys, within ±`toleranceSeconds`, and accepts each `(username, time, nonce)` once.
 *
 * `verify` never throws: it answers `{ ok: true, auth }` or `{ ok: false, error }` where
 * `error.code` says exactly why (for logs) and `error.status`/`headers`/`body` say what to send.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({
 *   keys: new MemoryKeyStore({ billing: [billingPublicKeyPem] }),
 *   nonces: new MemoryNonceStore(),
 * })
 * const result = await verifier.verify(request.headers.get('authorization'))
 * if (!result.ok) return new Response(JSON.stringify(result.error.body), { status: result.error.status, headers: result.error.headers })
 * console.log(`hello ${result.auth.username}`)
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  if (!options || typeof options.keys?.getKeys !== 'function') {
    throw new AjwtError('invalid_options', 'createVerifier needs `keys`: a KeyStore')
  }
  if (typeof options.nonces?.claim !== 'function') {
    throw new AjwtError('invalid_options', 'createVerifier needs `nonces`: a NonceStore (MemoryNonceStore for one process)')
  }
  const tolerance = options.toleranceSeconds ?? 20
  if (!Number.isFinite(tolerance) || tolerance < 0) {
    throw new AjwtError('invalid_options', 'toleranceSeconds must be a non-negative number')
  }
  const scheme = options.scheme ?? 'JWT'
  const schemeLower = scheme.toLowerCase()
  const maxHeaderLength = options.maxHeaderLength ?? 8192
  const clock = options.now ?? (() => Date.now() / 1000)
  const { keys, nonces, onVerified, onRejected } = options
  const kidIndexes = new WeakMap<readonly PublicKey[], Map<string, PublicKey>>()

  const reject = (code: AjwtErrorCode, detail: string, cause?: unknown): VerifyResult => {
    const error = new AjwtError(code, detail, cause === undefined ? undefined : { cause })
    if (onRejected) notify(onRejected, error)
    return { ok: false, error }
  }

  const indexOf = (list: readonly PublicKey[]): Map<string, PublicKey> => {
    let index = kidIndexes.get(list)
    if (!index) {
      index = new Map()
      for (const key of list) {
        index.set(key.fingerprint, key)
        index.set(key.kid, key)
      }
      kidIndexes.set(list, index)
    }
    return index
  }

  async function verify(authorization: string | null | undefined): Promise<VerifyResult> {
    if (authorization === undefined || authorization === null || authorization === '') {
      return reject('missing_token', 'no Authorization header')
    }
    if (typeof authorization !== 'string') return reject('malformed', 'the Authorization header is not text')
    if (authorization.length > maxHeaderLength) {
      return reject('header_too_large', `Authorization header of ${authorization.length} characters (limit ${maxHeaderLength})`)
    }
    const token = credentialsFor(authorization, schemeLower)
    if (token === undefined) return reject('invalid_scheme', `the Authorization scheme is not ${scheme}`)
    if (!COMPACT_JWS.test(token)) return reject('malformed', 'not a compact JWS (three base64url segments)')

    let header: ProtectedHeaderParameters
    let claims: JWTPayload
    try {
      header = decodeProtectedHeader(token)
      claims = decodeJwt(token)
    } catch (cause) {
      return reject('malformed', `undecodable token: ${(cause as Error).message}`, cause)
    }

    const alg = header.alg
    if (typeof alg !== 'string' || !ALGORITHMS.has(alg)) {
      return reject('invalid_algorithm', `algorithm ${JSON.stringify(alg)} is not accepted`)
    }
    for (const name of FORBIDDEN_HEADERS) {
      if (name in header) return reject('invalid_header', `the "${name}" header is not accepted`)
    }
    const kid = header.kid
    if (kid !== undefined && (typeof kid !== 'string' || !KID.test(kid))) {
      return reject('invalid_header', 'the "kid" header is not a short key id')
    }

    const { username, time, nonce } = claims as Record<string, unknown>
    if (typeof username !== 'string' || username.length === 0 || username.length > MAX_USERNAME) {
      return reject('invalid_claims', `"username" must be a string of 1 to ${MAX_USERNAME} characters`)
    }
    if (typeof nonce !== 'string' || nonce.length === 0 || nonce.length > MAX_NONCE) {
      return reject('invalid_claims', `"nonce" must be a string of 1 to ${MAX_NONCE} characters`)
    }
    if (typeof time !== 'number' || !Number.isSafeInteger(time) || time <= 0) {
      return reject('invalid_claims', '"time" must be a positive integer (unix seconds)')
    }
    const { exp, nbf } = claims
    if ((exp !== undefined && typeof exp !== 'number') || (nbf !== undefined && typeof nbf !== 'number')) {
      return reject('invalid_claims', '"exp" and "nbf" must be numbers')
    }

    const now = Math.floor(clock())
    if (Math.abs(now - time) > tolerance) {
      return reject('invalid_time', `"time" is ${now - time} s from the server clock (tolerance ${tolerance} s)`)
    }
    if (exp !== undefined && now - tolerance >= exp) return reject('token_expired', '"exp" has passed')
    if (nbf !== undefined && now + tolerance < nbf) return reject('token_not_yet_valid', '"nbf" is in the future')

    let userKeys: readonly PublicKey[]
    try {
      userKeys = await keys.getKeys(username)
    } catch (cause) {
      return reject('store_unavailable', `the key store failed: ${String(cause)}`, cause)
    }
    if (userKeys.length === 0) return reject('unknown_user', 'no keys for this user')

    let candidates: readonly PublicKey[]
    if (kid !== undefined) {
      const key = indexOf(userKeys).get(kid)
      if (!key) {
        return userKeys.some((k) => k.algorithms.includes(alg))
          ? reject('invalid_signature', 'no key of this user has this kid')
          : reject('invalid_algorithm', `no key of this user accepts ${alg}`)
      }
      if (!key.algorithms.includes(alg)) return reject('invalid_algorithm', `the ${key.type} key does not accept ${alg}`)
      candidates = [key]
    } else {
      candidates = userKeys.filter((k) => k.algorithms.includes(alg))
      if (candidates.length === 0) return reject('invalid_algorithm', `no key of this user accepts ${alg}`)
    }

    const lastDot = token.lastIndexOf('.')
    const data = encoder.encode(token.slice(0, lastDot))
    const signature = base64url.decode(token.slice(lastDot + 1)) as Uint8Array<ArrayBuffer>
    let verifiedBy: PublicKey | undefined
    for (const key of candidates) {
      if (await key.verifySignature(alg, data, signature)) {
        verifiedBy = key
        break
      }
    }
    if (!verifiedBy) return reject('invalid_signature', 'the signature does not verify with any of the user\'s keys')

    let fresh: boolean
    try {
      fresh = await nonces.claim(username, time, nonce, time + tolerance)
    } catch (cause) {
      return reject('store_unavailable', `the nonce store failed: ${String(cause)}`, cause)
    }
    if (!fresh) return reject('replay', 'this (username, time, nonce) was already used')

    const auth: Auth = { username, kid: verifiedBy.kid, time, nonce, claims: claims as Record<string, unknown> }
    if (onVerified) notify(onVerified, auth)
    return { ok: true, auth }
  }

  return {
    scheme,
    verify: (authorization) =>
      verify(authorization).catch((cause: unknown) => reject('malformed', `unexpected failure: ${String(cause)}`, cause)),
  }
}

function notify<T>(hook: (value: T) => unknown, value: T): void {
  try {
    const result = hook(value)
    if (result instanceof Promise) result.catch(() => undefined)
  } catch {
    // A logging hook must never turn a verdict into a crash.
  }
}
