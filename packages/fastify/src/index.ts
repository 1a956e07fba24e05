import { type AjwtOptions, type Auth, createNodeAuthenticator } from '@ajwt/core'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

export type { AjwtError, AjwtOptions, Auth } from '@ajwt/core'

/**
 * The hook that authenticates one request: `onRequest: app.ajwt` on a route. It sets
 * `request.auth`, or replies 401/503 itself.
 *
 * @example
 * ```ts
 * app.get('/reports', { onRequest: app.ajwt }, async (request) => request.auth)
 * ```
 */
export type AjwtHook = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified identity; undefined where `@ajwt/fastify` does not run, or in optional mode without a JWT. */
    auth?: Auth
  }
  interface FastifyInstance {
    /** `@ajwt/fastify`'s hook, for chosen routes: `{ onRequest: app.ajwt }`. */
    ajwt: AjwtHook
  }
}

/**
 * Options of the `ajwt` plugin: the verifier options (or `{ verifier }`), `optional`, `getToken`,
 * `addHook` (default true: authenticate every route of the scope the plugin is registered in) and
 * `useErrorHandler`. `getToken`, `onVerified` and `onRejected` receive the Fastify `request`.
 *
 * @example
 * ```ts
 * await app.register(ajwt, {
 *   keys,
 *   nonces,
 *   optional: true,
 *   onRejected: (error, request) => request.log.warn({ code: error.code }, 'ajwt rejected a request'),
 * })
 * ```
 */
export type AjwtFastifyOptions = AjwtOptions<FastifyRequest> & {
  /** Add an `onRequest` hook to the scope. With false, only `app.ajwt` is decorated. Default true. */
  addHook?: boolean
  /**
   * Throw each rejection (an `AjwtError` with `statusCode` and `headers`) to the app's error
   * handler (`setErrorHandler`) instead of answering it here, for apps that want Fastify's own
   * error shape. Fastify's default handler then names the precise `code` in its JSON body: set
   * your own. Default false.
   */
  useErrorHandler?: boolean
}

const plugin: FastifyPluginAsync<AjwtFastifyOptions> = async (fastify, options) => {
  const authenticate = createNodeAuthenticator(options)

  // Replies itself rather than throwing (unless told to): Fastify's default error handler would put
  // the precise `error.code` (unknown_user, replay…) in the response body.
  const hook: AjwtHook = async (request, reply) => {
    const result = await authenticate(request.raw, request.originalUrl, request)
    if (result.ok) {
      request.auth = result.auth
      return undefined
    }
    const { error } = result
    if (options.useErrorHandler) throw error
    // Returning the reply tells Fastify the request is answered (its documented early response).
    return reply.code(error.status).headers(error.headers).send(error.body)
  }

  if (!fastify.hasRequestDecorator('auth')) fastify.decorateRequest('auth', undefined)
  fastify.decorate('ajwt', hook)
  if (options.addHook !== false) fastify.addHook('onRequest', hook)
}

/**
 * Fastify 5 plugin: verifies `Authorization: JWT <token>` and sets `request.auth`.
 *
 * Wrapped with fastify-plugin, it protects the scope it is registered in: register it on the root
 * instance for every route, inside an encapsulated plugin (`app.register(async (api) => …, {
 * prefix: '/api' })`) for that scope only, or with `addHook: false` and put `onRequest: app.ajwt`
 * on chosen routes. Rejections answer 401 (503 when a store is unavailable) with
 * `WWW-Authenticate` and a JSON body that never tells why; the reason goes to `onRejected`.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { ajwt } from '@ajwt/fastify'
 * import { MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
 *
 * const app = Fastify()
 * await app.register(ajwt, { keys: new MemoryKeyStore({ billing: [publicKeyPem] }), nonces: new MemoryNonceStore() })
 * app.get('/invoices', async (request) => ({ user: request.auth?.username }))
 * ```
 */
export const ajwt = fp(plugin, { fastify: '5.x', name: '@ajwt/fastify' })

export default ajwt
