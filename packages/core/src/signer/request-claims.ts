import { sha256Base64url } from '#backend'
import { HTTP_METHOD } from '../binding/syntax.ts'
import { AjwtError } from '../errors/ajwt-error.ts'
import { bodyBytes } from './body-bytes.ts'

/**
 * A request body, as `fetch` takes it.
 *
 * @example
 * ```ts
 * const body: RequestBody = JSON.stringify({ amount: 12 })
 * ```
 */
export type RequestBody = string | Uint8Array | ArrayBuffer | Blob | URLSearchParams | FormData | ReadableStream<Uint8Array> | null

/**
 * The request a token is bound to: `signer.authorization({ method, url, body })`.
 *
 * @example
 * ```ts
 * const request: RequestToSign = { method: 'POST', url: 'https://api.example.com/v1/invoices?draft=1', body }
 * await fetch(request.url, { method: request.method, body, headers: { authorization: await signer.authorization(request) } })
 * ```
 */
export interface RequestToSign {
  method: string
  /** The absolute http(s) URL the request goes to, query included. */
  url: string | URL
  /**
   * The body exactly as it will be sent. A FormData or a ReadableStream is refused here (their
   * bytes are only known as fetch sends them): `signer.fetch` binds those.
   */
  body?: RequestBody
}

/** The binding claims (DESIGN §6); `htu` is left out only for a URL known to the signer as relative. */
export interface RequestClaims {
  htm: string
  htu?: string
  htq?: string
  htb?: string
}

const encoder = new TextEncoder()

/** The claims of `token(request)` / `authorization(request)`: an absolute URL and a body given as bytes. */
export async function requestClaims(request: RequestToSign, maxBodyBytes: number): Promise<RequestClaims> {
  if (typeof request !== 'object' || request === null) throw new AjwtError('invalid_options', 'signer: a request is { method, url, body? }')
  const url = parseUrl(request.url)
  return bindingClaims(request.method, url, true, await bodyBytes(request.body, maxBodyBytes))
}

/**
 * `htm`, `htu` (RFC 9449 §4.3: the URL serializer's lower-case scheme and host, default port
 * omitted, `/` for an empty path, no query or fragment; left out when `absolute` is false), `htq`
 * when the query is not empty and `htb` when the body is not empty: base64url SHA-256 of the query
 * as the URL serializes it and of the body bytes.
 */
export async function bindingClaims(method: string, url: URL, absolute: boolean, body: Uint8Array | null): Promise<RequestClaims> {
  if (typeof method !== 'string' || !HTTP_METHOD.test(method)) {
    throw new AjwtError('invalid_options', 'signer: request.method must be an HTTP method such as POST')
  }
  const claims: RequestClaims = { htm: method.toUpperCase() }
  if (absolute) claims.htu = `${url.protocol}//${url.host}${url.pathname}`
  const query = url.search.slice(1)
  if (query !== '') claims.htq = await sha256Base64url(encoder.encode(query))
  if (body !== null && body.byteLength > 0) claims.htb = await sha256Base64url(body)
  return claims
}

function parseUrl(input: unknown): URL {
  const url = input instanceof URL ? input : typeof input === 'string' ? URL.parse(input) : null
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new AjwtError('invalid_options', 'signer: request.url must be an absolute http: or https: URL')
  }
  return url
}
