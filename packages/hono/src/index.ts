import { type AjwtOptions, type Auth, createFetchAuthenticator, isAjwtError } from '@ajwt/core'
import type { Context, MiddlewareHandler } from 'hono'
import { createMiddleware } from 'hono/factory'
import { HTTPException } from 'hono/http-exception'

export type { AjwtError, AjwtOptions, Auth } from '@ajwt/core'

/**
 * What `c.get('auth')` holds behind `ajwt()`: the verified identity.
 *
 * @example
 * ```ts
 * const app = new Hono<{ Variables: AjwtVariables & { requestId: string } }>()
 * ```
 */
export type AjwtVariables = { auth: Auth }

/**
 * What `c.get('auth')` holds behind `ajwt({ optional: true })`: undefined for a request without a
 * `JWT` Authorization header.
 *
 * @example
 * ```ts
 * app.get('/feed', (c) => c.text(c.get('auth')?.username ?? 'anonymous'))
 * ```
 */
export type AjwtOptionalVariables = { auth: Auth | undefined }

/**
 * The Hono `Env` of a route behind `ajwt()`, for apps that register the middleware with
 * `app.use(path, …)` on a separate line (Hono cannot infer the variable there).
 *
 * @example
 * ```ts
 * const app = new Hono<AjwtEnv>()
 * app.use('/api/*', ajwt({ keys, nonces }))
 * app.get('/api/me', (c) => c.json({ user: c.get('auth').username }))
 * ```
 */
export type AjwtEnv = { Variables: AjwtVariables }

/**
 * The Hono `Env` of a route behind `ajwt({ optional: true })`.
 *
 * @example
 * ```ts
 * const app = new Hono<AjwtOptionalEnv>()
 * app.use('*', ajwt({ keys, nonces, optional: true }))
 * ```
 */
export type AjwtOptionalEnv = { Variables: AjwtOptionalVariables }

/**
 * Hono middleware that verifies `Authorization: JWT <token>` and sets `c.get('auth')`.
 *
 * A rejected request throws an `HTTPException` whose response carries the status (401, or 503
 * when a store is unavailable), `WWW-Authenticate`, `Retry-After` on 503, and a JSON body that is
 * the same for every 401. The precise reason is `exception.cause.code` and goes to `onRejected`;
 * the client never sees it. In optional mode a request without a `JWT` Authorization header
 * (none, or another scheme) passes through with `auth` undefined. Uses no `node:` import: it runs
 * on Node, Bun, Deno and Workers.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono'
 * import { ajwt, type AjwtEnv } from '@ajwt/hono'
 * import { MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
 *
 * const app = new Hono<AjwtEnv>()
 * app.use('/api/*', ajwt({ keys: new MemoryKeyStore({ billing: [publicKeyPem] }), nonces: new MemoryNonceStore() }))
 * app.get('/api/invoices', (c) => c.json({ user: c.get('auth').username }))
 *
 * // the token elsewhere; hooks get `c`
 * app.use('/hooks/*', ajwt({ keys, nonces, getToken: (c) => c.req.header('x-ajwt-token'), onRejected: (error, c) => console.warn(c.req.path, error.code) }))
 * ```
 */
export function ajwt(options: AjwtOptions<Context> & { optional?: false }): MiddlewareHandler<AjwtEnv>
export function ajwt(options: AjwtOptions<Context>): MiddlewareHandler<AjwtOptionalEnv>
export function ajwt(options: AjwtOptions<Context>): MiddlewareHandler<AjwtEnv> | MiddlewareHandler<AjwtOptionalEnv> {
  const authenticate = createFetchAuthenticator(options)
  return createMiddleware<AjwtOptionalEnv>(async (c, next) => {
    const result = await authenticate(c.req.raw, c)
    if (!result.ok) {
      const { error } = result
      throw new HTTPException(error.status, { res: error.toResponse(), message: error.message, cause: error })
    }
    // The body readers (c.req.json(), validators) read c.req.raw: a bound body is checked as they do.
    c.req.raw = result.request
    c.set('auth', result.auth)
    await next()
    // A bound body that failed its check made the handler's read throw: answer as for any rejection.
    if (isAjwtError(c.error)) c.res = c.error.toResponse()
  })
}
