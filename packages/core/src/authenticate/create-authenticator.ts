import type { BindingRequest } from '../binding/types.ts'
import { AjwtError } from '../errors/ajwt-error.ts'
import { credentialsFor } from '../verifier/authorization.ts'
import { createVerifier } from '../verifier/create-verifier.ts'
import type { Auth, Verifier, VerifierOptions } from '../verifier/types.ts'

/**
 * What every adapter (`@ajwt/express`, `@ajwt/koa`, `@ajwt/fastify`, `@ajwt/hono`,
 * `@ajwt/cloudflare`) accepts: the verifier options, or a ready `verifier`, plus `optional`.
 *
 * @example
 * ```ts
 * app.use(ajwt({ keys, nonces, optional: true }))
 * app.use(ajwt({ verifier }))
 * ```
 */
export type AjwtOptions = (VerifierOptions | { verifier: Verifier }) & {
  /** Let requests without a `JWT` Authorization header through, without `auth`. Default false. */
  optional?: boolean
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
export type Authenticate = (authorization: string | null | undefined, request?: BindingRequest) => Promise<AuthenticateResult>

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
export function createAuthenticator(options: AjwtOptions): Authenticate {
  if (!options || typeof options !== 'object') {
    throw new AjwtError('invalid_options', 'ajwt options are required: { keys, nonces } or { verifier }')
  }
  const verifier = 'verifier' in options && options.verifier ? options.verifier : createVerifier(options as VerifierOptions)
  if (!options.optional) return (authorization, request) => verifier.verify(authorization, request)
  const schemeLower = verifier.scheme.toLowerCase()
  return (authorization, request) => {
    if (typeof authorization !== 'string' || authorization === '' || credentialsFor(authorization, schemeLower) === undefined) {
      return Promise.resolve(PASS)
    }
    return verifier.verify(authorization, request)
  }
}
