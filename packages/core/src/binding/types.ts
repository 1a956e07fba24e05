/**
 * How a verifier treats the request-binding claims `htm`, `htu`, `htq` and `htb`:
 * - `'off'`: ignored.
 * - `'if-present'` (the default): a token that carries them must match the request; a token
 *   without them (the Python reference's tokens) is accepted as before.
 * - `'required'`: every token must bind the method and URL (`htm`, `htu`), hence also the query
 *   and the body.
 *
 * @example
 * ```ts
 * const binding: BindingPolicy = 'required'
 * createVerifier({ keys, nonces, binding, origins: ['https://api.example.com'] })
 * ```
 */
export type BindingPolicy = 'off' | 'if-present' | 'required'

/**
 * The request a token is checked against, as this server received it: the second argument of
 * `verifier.verify`.
 *
 * @example
 * ```ts
 * // fetch-style runtimes (Workers, Deno, Bun, Hono)
 * await verifier.verify(request.headers.get('authorization'), {
 *   method: request.method,
 *   url: request.url,
 *   headers: request.headers,
 *   hasBody: request.body !== null,
 * })
 * // Node (node:http, Express, Koa, Fastify)
 * await verifier.verify(req.headers.authorization, {
 *   method: req.method!,
 *   url: requestUrl({ scheme: 'http', host: req.headers.host, target: req.url! }),
 *   headers: req.headers,
 *   hasBody: Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined,
 * })
 * ```
 */
export interface BindingRequest {
  method: string
  /**
   * The absolute URL as this server received it: `Request.url`, or {@link requestUrl} from the
   * Host header and the raw request-target. Its path and query are compared as they are (not
   * normalised). `undefined` means unknown: a token that binds the URL is then refused.
   */
  url: string | undefined
  /** Read only for `X-Forwarded-Proto` / `X-Forwarded-Host`, with `trustProxy`. Lower-case names in a record. */
  headers?: Headers | Record<string, string | string[] | undefined>
  /**
   * Whether the request carries a body (`Content-Length` > 0 or `Transfer-Encoding`). When given, a
   * body the token does not bind, or a bound body that is missing, is refused at once; the body's
   * bytes themselves are checked by {@link checkBody} as they stream.
   */
  hasBody?: boolean
  /**
   * The body's base64url SHA-256 when the whole body has already arrived (an adapter that holds
   * it), `undefined` when it has not. A token whose `htb` differs is then refused BEFORE its nonce
   * is claimed, so a tampered copy that races ahead of the genuine request does not use it up.
   */
  bodyDigest?: () => string | Promise<string | undefined> | undefined
}

/**
 * What a verified token binds of the request's body, for {@link checkBody}: set on `auth.binding`
 * when the token binds the request (it carries `htm` or `htu`) or its body (`htb`).
 *
 * @example
 * ```ts
 * const { binding } = result.auth
 * if (binding?.htb === undefined) console.log('the token says: no body')
 * ```
 */
export interface BodyBinding {
  /** The body's base64url SHA-256 (`htb`); `undefined` when the token binds a request WITHOUT a body. */
  readonly htb: string | undefined
  /** The most body bytes checked (the verifier's `maxBoundBodyBytes`): past it, `body_too_large`. */
  readonly maxBodyBytes: number
}
