import type { BindingPolicy, BindingRequest, BodyBinding } from '../binding/types.ts'
import type { AjwtError } from '../errors/ajwt-error.ts'
import type { KeyStore, NonceStore } from '../stores/types.ts'
import type { VerifierTelemetry } from './telemetry.ts'

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
  /**
   * Set when the token binds the request or its body: what `checkBody` checks the body against.
   * Absent for an unbound token and with binding `'off'`.
   */
  binding?: BodyBinding
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
export interface VerifierOptions<Context = unknown> {
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
  /**
   * Check Ed25519 signatures on Node's libuv threadpool (node:crypto's callback form) instead of
   * on the event loop. Default `false`. It pays only where the server has an idle core beyond its
   * event loop's: measured (bench/README.md "Ed25519 on libuv's threadpool") up to 1.36× the
   * requests per second with two cores and the event loop's time per request 0.4×, but on one
   * core (a process per core: cluster, PM2, a one-CPU container) 3–12 % fewer requests and more
   * CPU per request. Keep `UV_THREADPOOL_SIZE` at most the spare cores (2 beat 4 here); the
   * threadpool also runs `fs`, `dns.lookup` and `zlib` work, which then waits behind
   * verifications. RSA checks (~20 µs) stay on the event loop; runtimes other than Node ignore it.
   */
  signatureOnThreadpool?: boolean
  /** The Authorization scheme word, matched case-insensitively. Default `JWT`. */
  scheme?: string
  /** The server clock in unix seconds (for tests). */
  now?: () => number
  /** Authorization headers longer than this are refused before any parsing. Default 8192. */
  maxHeaderLength?: number
  /**
   * What to do with the request-binding claims (`htm`, `htu`, `htq`, `htb`): `'if-present'` (the
   * default) checks those a token carries, `'required'` refuses tokens that do not bind the
   * request, `'off'` ignores them. Checked when `verify` is given the request.
   *
   * A function of the (signature-verified) username chooses per client, to require binding client
   * by client as each one upgrades: `binding: (user) => (upgraded.has(user) ? 'required' :
   * 'if-present')`. A value other than `'off'` or `'if-present'` counts as `'required'`.
   */
  binding?: BindingPolicy | ((username: string) => BindingPolicy)
  /**
   * This service's public origins, e.g. `['https://api.example.com']`: a bound token must name one
   * of them. Without it the request's own scheme and Host are used, which does not stop a token
   * from being replayed at another service (whoever replays it chooses the Host). Set it.
   */
  origins?: string[]
  /**
   * A path prefix a proxy or gateway strips before the app sees the path: `'/api'` when clients
   * call `https://example.com/api/v1/x` and the app receives `/v1/x`.
   */
  pathPrefix?: string
  /**
   * Take the scheme and host from the first `X-Forwarded-Proto` / `X-Forwarded-Host` value. Only
   * behind a proxy that sets them (and strips clients' own). Default false; unused with `origins`.
   */
  trustProxy?: boolean
  /** The largest bound body checked (`checkBody`): past it, 413 `body_too_large`. Default 16 MiB. */
  maxBoundBodyBytes?: number
  /**
   * Metrics and traces: `openTelemetry()` from `@ajwt/core/opentelemetry`, or any
   * {@link VerifierTelemetry}. Applied once, here; absent, nothing is wrapped and a request costs
   * nothing more. Pass the same object to a `JwksKeyStore` to count its fetches too.
   *
   * @example
   * ```ts
   * import { openTelemetry } from '@ajwt/core/opentelemetry'
   * createVerifier({ keys, nonces, telemetry: openTelemetry() })
   * ```
   */
  telemetry?: VerifierTelemetry
  /**
   * Called after each accepted request (errors thrown here are ignored), with the `context` given
   * to `verify`: in an adapter, the framework's request (Express `req`, Koa `ctx`, Fastify
   * `request`, Hono `c`, the Workers `Request`).
   */
  onVerified?: (auth: Auth, context: Context) => void
  /**
   * Called with the precise reason of each rejection, and the `context` given to `verify` (in an
   * adapter, the framework's request: log with its logger and request id here). Errors thrown here
   * are ignored.
   */
  onRejected?: (error: AjwtError, context: Context) => void
}

/**
 * Checks `Authorization` headers. Create one per app and share it.
 *
 * @example
 * ```ts
 * const result = await verifier.verify('JWT eyJhbGciOiJFZERTQSIs…')
 * const bound = await verifier.verify(request.headers.get('authorization'), {
 *   method: request.method, url: request.url, headers: request.headers, hasBody: request.body !== null,
 * })
 * ```
 */
export interface Verifier<Context = unknown> {
  /** The scheme word this verifier answers to. */
  readonly scheme: string
  /**
   * Verifies an Authorization header value; with `request`, also the request-binding claims
   * against the request this server received (without it, binding `'required'` refuses and
   * `'if-present'` does not compare them). `context` is handed to `onVerified` and `onRejected`.
   */
  verify(authorization: string | null | undefined, request?: BindingRequest, context?: Context): Promise<VerifyResult>
}
