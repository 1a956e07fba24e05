import { asciiBytes, decodeBase64url, decodeBase64urlText } from '#backend'
import type { JWTPayload, ProtectedHeaderParameters } from 'jose'
import { AjwtError, type AjwtErrorCode } from '../errors/ajwt-error.ts'
import type { PublicKey } from '../keys/public-key.ts'
import { AUTH_SCHEME, credentialsFor } from './authorization.ts'
import type { Auth, Verifier, VerifierOptions, VerifyResult } from './types.ts'

const ALGORITHMS: ReadonlySet<string> = new Set(['RS512', 'RS384', 'RS256', 'EdDSA', 'Ed25519'])
// Headers that would make a verifier fetch or trust key material named by the token itself.
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit', 'zip', 'enc'] as const
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/
const KID = /^[A-Za-z0-9_.:+=-]{1,256}$/
const MAX_USERNAME = 256
const MAX_NONCE = 128

const NO_HINT = Object.freeze({})

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
  if (typeof scheme !== 'string' || !AUTH_SCHEME.test(scheme)) {
    throw new AjwtError('invalid_options', 'scheme must be one word of letters, digits or !#$%&\'*+.^_`|~-')
  }
  const schemeLower = scheme.toLowerCase()
  const maxHeaderLength = options.maxHeaderLength ?? 8192
  if (!Number.isSafeInteger(maxHeaderLength) || maxHeaderLength < 1) {
    throw new AjwtError('invalid_options', 'maxHeaderLength must be a positive integer')
  }
  const clock = options.now ?? (() => Date.now() / 1000)
  const { keys, nonces, onVerified, onRejected } = options
  const kidIndexes = new WeakMap<readonly PublicKey[], Map<string, PublicKey>>()

  const reject = (code: AjwtErrorCode, detail: string, cause?: unknown): VerifyResult => {
    const error = new AjwtError(code, detail, cause === undefined ? undefined : { cause })
    if (onRejected) notify(onRejected, error)
    return { ok: false, error }
  }

  const keyByKid = (list: readonly PublicKey[], kid: string): PublicKey | undefined => {
    // Only a frozen array is known not to change under the index; any other is searched afresh,
    // or a key removed from it in place would still verify.
    if (!Object.isFrozen(list)) return list.find((key) => key.kid === kid || key.fingerprint === kid)
    let index = kidIndexes.get(list)
    if (!index) {
      index = new Map()
      for (const key of list) {
        index.set(key.fingerprint, key)
        index.set(key.kid, key)
      }
      kidIndexes.set(list, index)
    }
    return index.get(kid)
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
    const lastDot = token.lastIndexOf('.')
    const encodedSignature = token.slice(lastDot + 1)
    // Lenient decoders ignore the unused low bits of the last character: without this check one
    // signature would have several spellings, i.e. a valid token could be altered and still pass.
    if (!isCanonicalBase64url(encodedSignature)) return reject('malformed', 'the signature is not canonical base64url')

    const firstDot = token.indexOf('.')
    let decodedHeader: unknown
    let decodedClaims: unknown
    try {
      decodedHeader = JSON.parse(decodeBase64urlText(token.slice(0, firstDot)))
      decodedClaims = JSON.parse(decodeBase64urlText(token.slice(firstDot + 1, lastDot)))
    } catch (cause) {
      return reject('malformed', `undecodable token: ${describe(cause)}`, cause)
    }
    if (!isJsonObject(decodedHeader)) return reject('malformed', 'the JOSE header is not a JSON object')
    if (!isJsonObject(decodedClaims)) return reject('malformed', 'the claims are not a JSON object')
    const header = decodedHeader as ProtectedHeaderParameters
    const claims = decodedClaims as JWTPayload

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
    // Written as "not inside" so that a broken clock (NaN) refuses every token instead of none.
    if (!(Math.abs(now - time) <= tolerance)) {
      return reject('invalid_time', `"time" is ${now - time} s from the server clock (tolerance ${tolerance} s)`)
    }
    if (exp !== undefined && !(now - tolerance < exp)) return reject('token_expired', '"exp" has passed')
    if (nbf !== undefined && !(now + tolerance >= nbf)) return reject('token_not_yet_valid', '"nbf" is in the future')

    let userKeys: readonly PublicKey[]
    try {
      userKeys = await keys.getKeys(username, kid === undefined ? NO_HINT : { kid })
    } catch (cause) {
      return reject('store_unavailable', `the key store failed: ${describe(cause)}`, cause)
    }
    if (!Array.isArray(userKeys)) return reject('store_unavailable', 'the key store answered something other than an array')
    if (userKeys.length === 0) return reject('unknown_user', 'no keys for this user')

    let candidates: readonly PublicKey[]
    if (kid !== undefined) {
      const key = keyByKid(userKeys, kid)
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

    const data = asciiBytes(token.slice(0, lastDot))
    const signature = decodeBase64url(encodedSignature)
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
      // The clock is compared in whole seconds, so the token stays acceptable until the end of
      // second time + tolerance: the claim must outlive that, or the token replays at the edge.
      fresh = await nonces.claim(username, time, nonce, time + tolerance + 1)
    } catch (cause) {
      return reject('store_unavailable', `the nonce store failed: ${describe(cause)}`, cause)
    }
    if (!fresh) return reject('replay', 'this (username, time, nonce) was already used')

    const auth: Auth = { username, kid: verifiedBy.kid, time, nonce, claims: claims as Record<string, unknown> }
    if (onVerified) notify(onVerified, auth)
    return { ok: true, auth }
  }

  return {
    scheme,
    verify: (authorization) =>
      verify(authorization).catch((cause: unknown) => reject('malformed', `unexpected failure: ${describe(cause)}`, cause)),
  }
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

function isCanonicalBase64url(text: string): boolean {
  const rest = text.length % 4
  if (rest === 0) return true
  if (rest === 1) return false
  const last = BASE64URL.indexOf(text[text.length - 1]!)
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Text for a log line about anything thrown, even a value whose toString throws. */
function describe(cause: unknown): string {
  try {
    return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)
  } catch {
    return 'an unprintable value'
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
