import { createFetchAuthenticator, isAjwtError, type AjwtOptions, type Auth, type AuthenticateFetch } from '@ajwt/core'

/**
 * Options for {@link withAjwt}: the options themselves, or a function building them from `env`.
 *
 * @example
 * ```ts
 * const options: WithAjwtOptions<Env> = (env) => ({ keys: new EnvKeyStore(env.AJWT_KEYS), nonces: new DurableObjectNonceStore(env.AJWT_NONCES) })
 * ```
 */
export type WithAjwtOptions<Env, O extends AjwtOptions<Request> = AjwtOptions<Request>> = O | ((env: Env) => O)

/**
 * A module Worker's fetch handler that also receives the verified identity.
 *
 * @example
 * ```ts
 * const handler: AuthenticatedHandler<Env> = (request, env, ctx, auth) => Response.json({ user: auth.username })
 * ```
 */
export type AuthenticatedHandler<Env, A extends Auth | undefined = Auth> = (
  request: Request,
  env: Env,
  ctx: ExecutionContext,
  auth: A,
) => Response | Promise<Response>

/**
 * What {@link withAjwt} returns: a module Worker's default export (an `ExportedHandler`).
 *
 * @example
 * ```ts
 * const worker: AjwtWorker<Env> = withAjwt(handler, options)
 * export default worker
 * ```
 */
export interface AjwtWorker<Env> {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response>
}

/**
 * Protects a module Worker: every request must carry a valid `Authorization: JWT …` header,
 * otherwise it gets a 401 (503 when a store cannot answer) with `WWW-Authenticate` and a small
 * JSON body. Options built from `env` are built once per isolate, not per request.
 *
 * `Env` defaults to `Cloudflare.Env`, the interface `wrangler types` generates; with another type,
 * pass it explicitly (`withAjwt<MyEnv>(…)`) when the options function contains callbacks.
 *
 * @example
 * ```ts
 * import { DurableObjectNonceStore, EnvKeyStore, withAjwt } from '@ajwt/cloudflare'
 * export { NonceStoreObject } from '@ajwt/cloudflare'
 *
 * export default withAjwt(
 *   (request, env, ctx, auth) => Response.json({ hello: auth.username }),
 *   (env: Env) => ({ keys: new EnvKeyStore(env.AJWT_KEYS), nonces: new DurableObjectNonceStore(env.AJWT_NONCES) }),
 * )
 * ```
 */
export function withAjwt<Env = Cloudflare.Env>(
  handler: AuthenticatedHandler<Env, Auth>,
  options: WithAjwtOptions<Env, AjwtOptions<Request> & { optional?: false }>,
): AjwtWorker<Env>
export function withAjwt<Env = Cloudflare.Env>(
  handler: AuthenticatedHandler<Env, Auth | undefined>,
  options: WithAjwtOptions<Env, AjwtOptions<Request> & { optional: boolean }>,
): AjwtWorker<Env>
export function withAjwt<Env>(handler: AuthenticatedHandler<Env, Auth>, options: WithAjwtOptions<Env>): AjwtWorker<Env> {
  const authenticatorFor = once(options)
  return {
    async fetch(request, env, ctx) {
      const result = await authenticatorFor(env)(request)
      if (!result.ok) return result.error.toResponse()
      try {
        // auth is undefined only in optional mode, where the overloads typed the handler to expect it.
        return await handler(result.request, env, ctx, result.auth as Auth)
      } catch (error) {
        // A bound body that failed its check (body_mismatch 401, body_too_large 413) as the handler read it.
        if (isAjwtError(error)) return error.toResponse()
        throw error
      }
    },
  }
}

function once<Env>(options: WithAjwtOptions<Env>): (env: Env) => AuthenticateFetch {
  if (typeof options !== 'function') {
    const authenticate = createFetchAuthenticator(options)
    return () => authenticate
  }
  // `env` is one object per isolate: a WeakMap keyed by it builds the stores once, not per request.
  const built = new WeakMap<object, AuthenticateFetch>()
  return (env) => {
    const key = env as object
    let authenticate = built.get(key)
    if (!authenticate) {
      authenticate = createFetchAuthenticator(options(env))
      built.set(key, authenticate)
    }
    return authenticate
  }
}

