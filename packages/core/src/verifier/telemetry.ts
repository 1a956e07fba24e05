import type { AjwtError } from '../errors/ajwt-error.ts'
import type { KeyStore, NonceStore } from '../stores/types.ts'
import type { Verifier } from './types.ts'

/**
 * Where a verifier reports what it does, for metrics and traces: `openTelemetry()` from
 * `@ajwt/core/opentelemetry` makes one, and any object of this shape works (StatsD, Prometheus, a
 * test). Every member is optional and is applied ONCE, when `createVerifier` (or a
 * `JwksKeyStore`) is created; without `telemetry` nothing is wrapped, so a request costs nothing
 * more.
 *
 * - `wrapVerify` gets the verifier's `verify` and returns the one the verifier exposes. It must
 *   pass every argument through (`(...args) => verify(...args)`) and, like `verify`, never throw
 *   or reject. Rejections found later, while a bound body streams, are not seen here.
 * - `wrapKeyStore` / `wrapNonceStore` get the stores given to `createVerifier` and return what
 *   the verifier calls instead, e.g. to time each call. Keep the answers as they are (the same
 *   array from `getKeys`: the verifier indexes a frozen one by `kid`).
 * - `jwksFetched` is called by a `JwksKeyStore` created with `{ telemetry }`, after each JWKS
 *   fetch it makes.
 *
 * Never put the token, and think twice before putting the username, into what you record.
 *
 * @example
 * ```ts
 * const telemetry: VerifierTelemetry = {
 *   wrapVerify: (verify) => async (...args) => {
 *     const start = performance.now()
 *     const result = await verify(...args)
 *     statsd.timing('ajwt.verify', performance.now() - start, { result: result.ok ? 'success' : result.error.code })
 *     return result
 *   },
 *   jwksFetched: ({ result }) => statsd.increment('ajwt.jwks.fetches', { result }),
 * }
 * const verifier = createVerifier({ keys, nonces, telemetry })
 * ```
 */
export interface VerifierTelemetry {
  /** Wraps `verify`; must pass every argument through and never throw or reject. */
  wrapVerify?<Context>(verify: Verifier<Context>['verify']): Verifier<Context>['verify']
  /** Wraps the verifier's key store (called once, by `createVerifier`). */
  wrapKeyStore?(keys: KeyStore): KeyStore
  /** Wraps the verifier's nonce store (called once, by `createVerifier`). */
  wrapNonceStore?(nonces: NonceStore): NonceStore
  /** Called by a `JwksKeyStore` given this telemetry after each JWKS fetch. What it throws is ignored. */
  jwksFetched?(event: JwksFetchEvent): void
}

/**
 * One JWKS fetch of a `JwksKeyStore`, as {@link VerifierTelemetry.jwksFetched} gets it. A fetch
 * fails on a network error, a timeout, an error or redirect status, a body too large or not a
 * JWKS; a document with skipped keys still counts as a success.
 *
 * @example
 * ```ts
 * const jwksFetched = (event: JwksFetchEvent) => {
 *   if (event.result === 'failure') log.warn({ detail: event.error?.detail })
 * }
 * ```
 */
export interface JwksFetchEvent {
  result: 'success' | 'failure'
  /** Why the fetch failed (`store_unavailable`, with the reason in `detail`). */
  error?: AjwtError
}

/** `verifier` with its `verify` wrapped by `telemetry`, or `verifier` itself when there is nothing to wrap. */
export function withTelemetry<Context>(telemetry: VerifierTelemetry | undefined, verifier: Verifier<Context>): Verifier<Context> {
  return telemetry?.wrapVerify ? { ...verifier, verify: telemetry.wrapVerify(verifier.verify) } : verifier
}
