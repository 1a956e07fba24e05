import { type AjwtOptions, type Auth, createNodeAuthenticator, isAjwtError } from '@ajwt/core'
import type { ErrorRequestHandler, Request, RequestHandler } from 'express'

export type { AjwtError, AjwtOptions, Auth } from '@ajwt/core'

declare global {
  namespace Express {
    interface Request {
      /** The verified identity, set by `ajwt()`. Undefined in optional mode for a request without a JWT. */
      auth?: Auth
    }
  }
}

/**
 * Express 4 and 5 middleware: verifies `Authorization: JWT <token>` and sets `req.auth`.
 *
 * A rejected request goes to `next(error)` with an `AjwtError` that carries `status` (401, or 503
 * when a store is unavailable) and `headers` (`WWW-Authenticate`, `Retry-After`), so Express's
 * default handler answers correctly; add {@link ajwtErrorHandler} for a JSON body.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
 * import { ajwt, ajwtErrorHandler } from '@ajwt/express'
 *
 * const app = express()
 * app.use('/api', ajwt({ keys: new MemoryKeyStore({ billing: [billingPublicKeyPem] }), nonces: new MemoryNonceStore() }))
 * app.get('/api/invoices', (req, res) => res.json({ for: req.auth?.username }))
 * app.use(ajwtErrorHandler())
 *
 * // the token elsewhere; hooks get the request (its logger, its id)
 * app.use(ajwt({ keys, nonces, getToken: (req) => req.get('x-ajwt-token'), onRejected: (error, req) => req.log?.warn(error.code) }))
 * ```
 */
export function ajwt(options: AjwtOptions<Request>): RequestHandler {
  const authenticate = createNodeAuthenticator(options)
  // Not an async function: Express 4 ignores the promise it returns, so every outcome, a custom
  // verifier's rejection included, goes to next() here.
  return (req, _res, next) => {
    authenticate(req, req.originalUrl, req).then((result) => {
      if (!result.ok) return next(result.error)
      // Optional mode, a request that is not ours: leave req untouched.
      if (result.auth) req.auth = result.auth
      next()
    }, next)
  }
}

/**
 * An Express error handler that answers ajwt rejections with their JSON body
 * (`{ error, message }`, identical for every 401) instead of Express's HTML page, and passes
 * every other error on. Register it after your routes.
 *
 * @example
 * ```ts
 * app.use(ajwt({ keys, nonces }))
 * app.get('/reports', (req, res) => res.json(req.auth))
 * app.use(ajwtErrorHandler())
 * ```
 */
export function ajwtErrorHandler(): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (!isAjwtError(error) || res.headersSent) return next(error)
    res.status(error.status).set(error.headers).json(error.body)
  }
}
