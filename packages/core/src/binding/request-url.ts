import { splitUrl } from './split-url.ts'
import { normalizeOrigin } from './syntax.ts'

/**
 * Where a Node server's request came from: `scheme` (`'https'` behind TLS), the `Host` header and
 * the raw request-target (`req.url` in node:http, `req.originalUrl` in Express, `ctx.originalUrl`
 * in Koa, `request.raw.url` in Fastify: the target BEFORE any router strips a mount path).
 *
 * @example
 * ```ts
 * const parts: RequestUrlParts = { scheme: 'http', host: req.headers.host, target: req.url ?? '/' }
 * ```
 */
export interface RequestUrlParts {
  scheme: 'http' | 'https'
  host: string | undefined
  target: string
}

const ABSOLUTE_FORM = /^https?:\/\//i

/**
 * The absolute URL a Node server received, for `verifier.verify(header, { url })`: `scheme://Host`
 * followed by the request-target exactly as sent. An absolute-form target
 * (`GET http://host/path`, RFC 9112 §3.2.2) is returned as is. `undefined` when the Host header is
 * missing or not a plain `host[:port]`, or the target is neither origin-form nor absolute-form
 * (`*`, authority-form): the verifier then refuses any token that binds the URL.
 *
 * @example
 * ```ts
 * import { requestUrl } from '@ajwt/core'
 *
 * const url = requestUrl({ scheme: 'http', host: req.headers.host, target: req.url ?? '/' })
 * // 'http://api.example.com/v1/invoices?page=2', or undefined
 * const result = await verifier.verify(req.headers.authorization, { method: req.method ?? 'GET', url, headers: req.headers })
 * ```
 */
export function requestUrl({ scheme, host, target }: RequestUrlParts): string | undefined {
  if (typeof target !== 'string') return undefined
  if (ABSOLUTE_FORM.test(target)) return splitUrl(target) ? target : undefined
  if (target[0] !== '/' || typeof host !== 'string' || normalizeOrigin(scheme, host) === undefined) return undefined
  return `${scheme}://${host}${target}`
}
