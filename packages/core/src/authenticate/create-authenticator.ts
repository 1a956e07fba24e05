import type { BindingRequest } from '../binding/types.ts'
import { AjwtError } from '../errors/ajwt-error.ts'
import { credentialsFor } from '../verifier/authorization.ts'
import { createVerifier } from '../verifier/create-verifier.ts'
import { describeCause } from '../verifier/describe-cause.ts'
import type { Auth, Verifier, VerifierOptions } from '../verifier/types.ts'

/**
 * What every adapter (`@ajwt/express`, `@ajwt/koa`, `@ajwt/fastify`, `@ajwt/hono`,
 * `@ajwt/cloudflare`) accepts: the verifier options, or a ready `verifier`, plus `optional` and
 * `getToken`. `Context` is what the adapter hands to `getToken`, `onVerified` and `onRejected`:
 * the framework's own request (Express `req`, Koa `ctx`, Fastify `request`, Hono `c`, the Workers
 * `Request`).
 *
 * @example
 * ```ts
 * app.use(ajwt({ keys, nonces, optional: true }))
 * app.use(ajwt({ verifier }))
 * app.use(ajwt({ keys, nonces, getToken: (req) => req.get('x-ajwt-token') }))
 * ```
 */
export type AjwtOptions<Context = unknown> = (VerifierOptions<Context> | { verifier: Verifier<Context> }) & {
  /** Let requests without a token through, without `auth`. Default false. */
  optional?: boolean
  /**
   * Where the token is, when not in `Authorization: JWT <token>`: return the token itself (no
   * scheme word), or undefined/null when the request has none (then `optional` lets it through).
   * It replaces the Authorization header: that header is not read. A token carried in the query
   * cannot bind it (the query that the client signed did not hold the token yet).
   */
  getToken?: (context: Context) => string | null | undefined | Promise<string | null | undefined>
}

/**
 * An adapter's one call: `auth` is undefined only in optional mode, for a request that is not ours.
 *
 * @example
 * ```ts
 * const result: AuthenticateResult = await authenticate(req.headers.authorization)
 * if (result.ok && result.auth) req.auth = result.auth
 * ```
 */
export type AuthenticateResult =
  | { ok: true; auth: Auth }
  | { ok: true; auth: undefined }
  | { ok: false; error: AjwtError }

/**
 * Authenticates one request from its Authorization header value and, for request binding, the
 * request itself (see `Verifier.verify`). Never throws.
 *
 * @example
 * ```ts
 * const authenticate: Authenticate = createAuthenticator({ keys, nonces })
 * const result = await authenticate(request.headers.get('authorization'), {
 *   method: request.method, url: request.url, headers: request.headers, hasBody: request.body !== null,
 * })
 * ```
 */
export type Authenticate<Context = unknown> = (
  authorization: string | null | undefined,
  request?: BindingRequest,
  context?: Context,
) => Promise<AuthenticateResult>

const PASS: AuthenticateResult = Object.freeze({ ok: true, auth: undefined }) as AuthenticateResult

/**
 * Turns adapter options into the one function every adapter calls per request, so that optional
 * mode, scheme matching and verification behave identically in every framework.
 *
 * @example
 * ```ts
 * const authenticate = createAuthenticator({ keys, nonces, optional: true })
 * const result = await authenticate(request.headers.get('authorization'))
 * if (!result.ok) return new Response(JSON.stringify(result.error.body), { status: result.error.status, headers: result.error.headers })
 * ```
 */
export function createAuthenticator<Context = unknown>(options: AjwtOptions<Context>): Authenticate<Context> {
  if (!options || typeof options !== 'object') {
    throw new AjwtError('invalid_options', 'ajwt options are required: { keys, nonces } or { verifier }')
  }
  const verifier: Verifier<Context> =
    'verifier' in options && options.verifier ? options.verifier : createVerifier(options as VerifierOptions<Context>)
  const { getToken, optional = false } = options
  if (getToken !== undefined && typeof getToken !== 'function') {
    throw new AjwtError('invalid_options', 'getToken must be a function of the request that returns its token')
  }
  const check = optional ? optionally(verifier) : verifier.verify.bind(verifier)
  if (!getToken) return check
  const prefix = `${verifier.scheme} `
  const onRejected = 'verifier' in options && options.verifier ? undefined : (options as VerifierOptions<Context>).onRejected
  const failed = (cause: unknown, context: Context | undefined): AuthenticateResult => {
    const error = new AjwtError('malformed', `getToken failed: ${describeCause(cause)}`, { cause })
    try {
      onRejected?.(error, context as Context)
    } catch {
      // A logging hook must never turn a verdict into a crash.
    }
    return { ok: false, error }
  }
  return (_authorization, request, context) => {
    let token: ReturnType<typeof getToken>
    try {
      token = getToken(context as Context)
    } catch (cause) {
      return Promise.resolve(failed(cause, context))
    }
    const withToken = (found: string | null | undefined) =>
      check(typeof found === 'string' && found !== '' ? prefix + found : undefined, request, context)
    return token instanceof Promise ? token.then(withToken, (cause: unknown) => failed(cause, context)) : withToken(token)
  }
}

function optionally<Context>(verifier: Verifier<Context>): Authenticate<Context> {
  const schemeLower = verifier.scheme.toLowerCase()
  return (authorization, request, context) => {
    if (typeof authorization !== 'string' || authorization === '' || credentialsFor(authorization, schemeLower) === undefined) {
      return Promise.resolve(PASS)
    }
    return verifier.verify(authorization, request, context)
  }
}
