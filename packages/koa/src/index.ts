import { type AjwtOptions, type Auth, createNodeAuthenticator, isAjwtError } from '@ajwt/core'
import type { Context, Middleware } from 'koa'

export type { AjwtError, AjwtOptions, Auth } from '@ajwt/core'

/**
 * `ctx.state` after `ajwt()` in required mode: every request that reaches your code has `auth`.
 *
 * @example
 * ```ts
 * const router = new Router<AjwtState>()
 * router.get('/reports', (ctx) => { ctx.body = { for: ctx.state.auth.username } })
 * ```
 */
export interface AjwtState {
  auth: Auth
}

/**
 * `ctx.state` after `ajwt({ optional: true })`: `auth` is absent for a request without a `JWT`
 * Authorization header.
 *
 * @example
 * ```ts
 * app.use(ajwt({ keys, nonces, optional: true }))
 * app.use((ctx) => { ctx.body = ctx.state.auth ? `hello ${ctx.state.auth.username}` : 'hello stranger' })
 * ```
 */
export interface AjwtOptionalState {
  auth?: Auth
}

/**
 * Koa 2 and 3 middleware: verifies `Authorization: JWT <token>` and sets `ctx.state.auth`.
 *
 * A rejected request throws an `AjwtError` with `status` (401, or 503 when a store is
 * unavailable), `headers` (`WWW-Authenticate`, `Retry-After`) and `expose` (true for a 401), which
 * Koa's default error handling answers correctly; add {@link ajwtErrorHandler} before it to send
 * `error.body` as JSON.
 *
 * @example
 * ```ts
 * import Koa from 'koa'
 * import { MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
 * import { ajwt } from '@ajwt/koa'
 *
 * const app = new Koa()
 *   .use(ajwt({ keys: new MemoryKeyStore({ billing: [billingPublicKeyPem] }), nonces: new MemoryNonceStore() }))
 *   .use((ctx) => {
 *     ctx.body = { hello: ctx.state.auth.username }
 *   })
 *
 * // the token elsewhere; hooks get `ctx`
 * app.use(ajwt({ keys, nonces, getToken: (ctx) => ctx.get('x-ajwt-token'), onRejected: (error, ctx) => console.warn(ctx.path, error.code) }))
 * ```
 */
export function ajwt(options: AjwtOptions<Context> & { optional?: false }): Middleware<AjwtState>
export function ajwt(options: AjwtOptions<Context>): Middleware<AjwtOptionalState>
export function ajwt(options: AjwtOptions<Context>): Middleware<AjwtOptionalState> {
  const authenticate = createNodeAuthenticator(options)
  return async (ctx, next) => {
    const result = await authenticate(ctx.req, ctx.originalUrl, ctx)
    if (!result.ok) throw result.error
    // Optional mode, a request that is not ours: leave the state untouched.
    if (result.auth) ctx.state.auth = result.auth
    await next()
  }
}

/**
 * Koa middleware that answers ajwt rejections with their JSON body (`{ error, message }`,
 * identical for every 401) instead of Koa's text body, and rethrows every other error. Put it
 * before `ajwt()`.
 *
 * @example
 * ```ts
 * const app = new Koa()
 *   .use(ajwtErrorHandler())
 *   .use(ajwt({ keys, nonces }))
 *   .use((ctx) => { ctx.body = { hello: ctx.state.auth.username } })
 * ```
 */
export function ajwtErrorHandler(): Middleware {
  return async (ctx, next) => {
    try {
      await next()
    } catch (error) {
      if (!isAjwtError(error)) throw error
      ctx.status = error.status
      ctx.set(error.headers)
      ctx.body = error.body
    }
  }
}
