import { AjwtError, type AjwtErrorCode } from '../errors/ajwt-error.ts'
import { reportBodyRejections } from '../binding/body-rejections.ts'
import type { BindingRequest, BodyBinding } from '../binding/types.ts'
import type { PublicKey } from '../keys/public-key.ts'
import { AUTH_SCHEME } from './authorization.ts'
import { bindingConfig } from './binding-options.ts'
import { checkBinding } from './check-binding.ts'
import { checkClaims, type CheckedClaims } from './check-claims.ts'
import { checkHeader } from './check-header.ts'
import { checkSignature, loadStandIns } from './check-signature.ts'
import { checkTime } from './check-time.ts'
import { claimNonce } from './claim-nonce.ts'
import { decodeToken, type DecodedToken } from './decode-token.ts'
import { describeCause } from './describe-cause.ts'
import { createKeyFinder } from './find-keys.ts'
import { readToken } from './read-token.ts'
import type { Auth, Verifier, VerifierOptions, VerifyResult } from './types.ts'
import { withTelemetry } from './telemetry.ts'

/**
 * Creates the server side: checks `Authorization: JWT <token>` headers against each user's public
 * keys, within ±`toleranceSeconds`, and accepts each `(username, time, nonce)` once, ever.
 *
 * `verify` never throws: it answers `{ ok: true, auth }` or `{ ok: false, error }` where
 * `error.code` says exactly why (for logs) and `error.status`/`headers`/`body` say what to send.
 * It runs a pipeline of small stages: read the header, decode the token, check the header, the
 * claims and the time, find the keys, check the signature, check the request binding, claim the
 * nonce, and check the time again (a token whose window closed while it was being verified is
 * refused). Given the request (`verify(header, { method, url, headers, hasBody })`), it checks
 * the binding claims `htm`, `htu`, `htq` and `htb` under the `binding` policy.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({
 *   keys: new MemoryKeyStore({ billing: [billingPublicKeyPem] }),
 *   nonces: new MemoryNonceStore(),
 * })
 * const result = await verifier.verify(request.headers.get('authorization'))
 * if (!result.ok) return result.error.toResponse()
 * console.log(`hello ${result.auth.username}`)
 *
 * // bound to the request, at this service only
 * const api = createVerifier({ keys, nonces, binding: 'required', origins: ['https://api.example.com'] })
 * const checked = await api.verify(request.headers.get('authorization'), {
 *   method: request.method, url: request.url, headers: request.headers, hasBody: request.body !== null,
 * })
 * ```
 */
export function createVerifier<Context = unknown>(options: VerifierOptions<Context>): Verifier<Context> {
  if (!options || typeof options.keys?.getKeys !== 'function') {
    throw new AjwtError('invalid_options', 'createVerifier needs `keys`: a KeyStore')
  }
  if (typeof options.nonces?.claim !== 'function') {
    throw new AjwtError('invalid_options', 'createVerifier needs `nonces`: a NonceStore (MemoryNonceStore for one process)')
  }
  const tolerance = seconds(options.toleranceSeconds ?? 20, 'toleranceSeconds')
  const skew = seconds(options.clockSkewSeconds ?? 10, 'clockSkewSeconds')
  const scheme = options.scheme ?? 'JWT'
  if (typeof scheme !== 'string' || !AUTH_SCHEME.test(scheme)) {
    throw new AjwtError('invalid_options', 'scheme must be one word of letters, digits or !#$%&\'*+.^_`|~-')
  }
  const schemeLower = scheme.toLowerCase()
  const maxHeaderLength = positiveInteger(options.maxHeaderLength ?? 8192, 'maxHeaderLength')
  const maxKeysTried = positiveInteger(options.maxKeysTried ?? 8, 'maxKeysTried')
  const clock = options.now ?? (() => Date.now() / 1000)
  const signatureOptions = options.signatureOnThreadpool === true ? { offThread: true } : undefined
  const { onVerified, onRejected, telemetry } = options
  const nonces = telemetry?.wrapNonceStore ? telemetry.wrapNonceStore(options.nonces) : options.nonces
  const binding = bindingConfig(options)
  const findKeys = createKeyFinder(telemetry?.wrapKeyStore ? telemetry.wrapKeyStore(options.keys) : options.keys, maxKeysTried)
  loadStandIns().catch(() => undefined)

  // Each stage answers now or later (a store or a check that awaits): the request is finished in
  // the turn it started in whenever every stage answers now, with no microtask hop per stage.
  function verify(authorization: string | null | undefined, request: BindingRequest | undefined, context: Context | undefined): Auth | Promise<Auth> {
    const token = decodeToken(readToken(authorization, schemeLower, maxHeaderLength))
    const header = checkHeader(token.header)
    const claims = checkClaims(token.claims)
    checkTime(claims, clock(), tolerance)
    return then(findKeys(claims.username, header), (candidates) =>
      then(checkSignature(candidates, header.alg, token.signingInput, token.signature, signatureOptions), (key) => {
        const bindingOfUser = binding(claims.username)
        return then(bindingOfUser && checkBinding(token.claims, request, bindingOfUser), (bodyBinding) =>
          then(claimNonce(nonces, claims, checkTime(claims, clock(), tolerance), skew), () => accept(token, claims, key, bodyBinding, context)),
        )
      }),
    )
  }

  function accept(token: DecodedToken, claims: CheckedClaims, key: PublicKey, bodyBinding: BodyBinding | undefined, context: Context | undefined): Auth {
    try {
      checkTime(claims, clock(), tolerance)
    } catch (error) {
      throw new AjwtError('invalid_time', `the token's window closed while it was being verified: ${describeCause(error)}`)
    }
    const auth: Auth = { username: claims.username, kid: key.kid, time: claims.time, nonce: claims.nonce, claims: token.claims }
    if (bodyBinding) {
      if (onRejected) reportBodyRejections(bodyBinding, (error) => notify(onRejected, error, context as Context))
      auth.binding = bodyBinding
    }
    if (onVerified) notify(onVerified, auth, context as Context)
    return auth
  }

  const reject = (cause: unknown, context: Context | undefined): VerifyResult => {
    const error =
      cause instanceof AjwtError && !SETUP_CODES.has(cause.code)
        ? cause
        : new AjwtError('malformed', `unexpected failure: ${describeCause(cause)}`, { cause })
    if (onRejected) notify(onRejected, error, context as Context)
    return { ok: false, error }
  }

  return withTelemetry<Context>(telemetry, {
    scheme,
    verify: (authorization, request, context) => {
      let auth: Auth | Promise<Auth>
      try {
        auth = verify(authorization, request, context)
      } catch (cause) {
        return Promise.resolve(reject(cause, context))
      }
      if (auth instanceof Promise) {
        return auth.then(
          (verified): VerifyResult => ({ ok: true, auth: verified }),
          (cause: unknown) => reject(cause, context),
        )
      }
      return Promise.resolve({ ok: true, auth })
    },
  })
}

/** `next(value)` now when `value` is, else when it settles. */
function then<T, R>(value: T | Promise<T>, next: (value: T) => R | Promise<R>): R | Promise<R> {
  return value instanceof Promise ? value.then(next) : next(value)
}

// A setup error (thrown by a custom key, say) carries its detail in `message`, which frameworks
// show to clients: it never becomes a request's answer as it is.
const SETUP_CODES: ReadonlySet<AjwtErrorCode> = new Set(['invalid_key', 'invalid_options'])

function seconds(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new AjwtError('invalid_options', `${name} must be a non-negative number of seconds`)
  }
  return value
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new AjwtError('invalid_options', `${name} must be a positive integer`)
  return value
}

function notify<T, Context>(hook: (value: T, context: Context) => unknown, value: T, context: Context): void {
  try {
    const result = hook(value, context)
    if (result instanceof Promise) result.catch(() => undefined)
  } catch {
    // A logging hook must never turn a verdict into a crash.
  }
}
