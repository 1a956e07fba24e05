import { sha256Base64url } from '#backend'
import { splitUrl, type ReceivedUrl } from '../binding/split-url.ts'
import { HTTP_METHOD, normalizeOrigin, SHA256_DIGEST } from '../binding/syntax.ts'
import type { BindingRequest, BodyBinding } from '../binding/types.ts'
import { AjwtError } from '../errors/ajwt-error.ts'
import type { BindingConfig } from './binding-options.ts'

const encoder = new TextEncoder()

/**
 * Stage 8 (after the signature, BEFORE the nonce claim: a tampered copy must not use up the
 * genuine request's token): the binding claims against the request this server received.
 *
 * A token that binds the request (it carries `htm` or `htu`) binds all of it, as ajwt signers
 * write it: no `htq` means no query, no `htb` means no body. A token with none of the claims is
 * refused under `'required'` and passes otherwise, for the cost of four property reads. Without a
 * request (`verify(header)`), `'if-present'` skips the comparison and `'required'` refuses.
 *
 * @returns what the body must be, for `checkBody`, when the token binds the request or its body
 */
export function checkBinding(
  claims: Record<string, unknown>,
  request: BindingRequest | undefined,
  config: BindingConfig,
): BodyBinding | undefined | Promise<BodyBinding | undefined> {
  const { htm, htu, htq, htb } = claims
  if (htm === undefined && htu === undefined && htq === undefined && htb === undefined) {
    if (config.policy === 'required') throw bindingRequired(request, 'the token binds no request (no "htm" or "htu" claim)')
    return undefined
  }
  if (htm !== undefined && (typeof htm !== 'string' || !HTTP_METHOD.test(htm))) {
    throw new AjwtError('invalid_claims', '"htm" must be an HTTP method')
  }
  if (htu !== undefined && (typeof htu !== 'string' || htu.length === 0)) throw new AjwtError('invalid_claims', '"htu" must be a URL')
  if (htq !== undefined && (typeof htq !== 'string' || !SHA256_DIGEST.test(htq))) {
    throw new AjwtError('invalid_claims', '"htq" must be a base64url SHA-256 digest')
  }
  if (htb !== undefined && (typeof htb !== 'string' || !SHA256_DIGEST.test(htb))) {
    throw new AjwtError('invalid_claims', '"htb" must be a base64url SHA-256 digest')
  }
  const bound = htm !== undefined || htu !== undefined
  const body: BodyBinding | undefined = bound || htb !== undefined ? { htb, maxBodyBytes: config.maxBodyBytes } : undefined

  if (request === undefined || request === null) {
    if (config.policy === 'required') throw bindingRequired(request, '')
    return body
  }
  if (config.policy === 'required' && (htm === undefined || htu === undefined)) {
    throw bindingRequired(request, `the token does not bind the ${htm === undefined ? 'method ("htm")' : 'URL ("htu")'}`)
  }
  if (htm !== undefined && (typeof request.method !== 'string' || request.method.toUpperCase() !== htm.toUpperCase())) {
    throw new AjwtError('method_mismatch', `the token is for ${htm}, the request is ${String(request.method)}`)
  }

  let query: string | undefined
  if (htu !== undefined && bound) query = queryAfterOwnUrl(htu, request.url, config)
  if (query === undefined && (bound || htq !== undefined)) {
    const url = splitUrl(request.url)
    if (!url) throw new AjwtError('url_mismatch', 'the request URL is unknown or not an absolute http(s) URL: the token binds it')
    if (htu !== undefined && !matchesUrl(htu, url, request.headers, config)) {
      throw new AjwtError('url_mismatch', 'the token is for another URL (origin or path)')
    }
    query = url.query
  }

  query ??= ''
  if (htq === undefined && query !== '') throw new AjwtError('query_mismatch', 'the request has a query, the token binds none')
  if (htq !== undefined && query === '') throw new AjwtError('query_mismatch', 'the token binds a query, the request has none')

  if (request.hasBody === true && htb === undefined && bound) {
    throw new AjwtError('body_mismatch', 'the token binds a request without a body, and the request has one')
  }
  if (request.hasBody === false && htb !== undefined) throw new AjwtError('body_mismatch', 'the token binds a body, and the request has none')

  const queryDigest = htq === undefined ? undefined : sha256Base64url(encoder.encode(query))
  const bodyDigest = htb === undefined || typeof request.bodyDigest !== 'function' ? undefined : request.bodyDigest()
  if (bodyDigest instanceof Promise && !(queryDigest instanceof Promise)) {
    return bodyDigest.then((bodyValue) => checkDigests(queryDigest, htq, bodyValue, htb, body))
  }
  if (queryDigest instanceof Promise || bodyDigest instanceof Promise) {
    return Promise.all([queryDigest, bodyDigest]).then(([queryValue, bodyValue]) => checkDigests(queryValue, htq, bodyValue, htb, body))
  }
  return checkDigests(queryDigest, htq, bodyDigest, htb, body)
}

function checkDigests(
  query: string | undefined,
  htq: unknown,
  body: string | undefined,
  htb: unknown,
  binding: BodyBinding | undefined,
): BodyBinding | undefined {
  if (query !== undefined && query !== htq) throw new AjwtError('query_mismatch', 'the query does not match the token\'s "htq" digest')
  if (body !== undefined && body !== htb) {
    throw new AjwtError('body_mismatch', 'the body, whole before the token was verified, does not match its "htb" digest')
  }
  return binding
}

function bindingRequired(request: BindingRequest | null | undefined, why: string): AjwtError {
  if (request === undefined || request === null) {
    return new AjwtError('binding_required', 'binding is required, and verify() was given no request (the adapter passed none)')
  }
  return new AjwtError('binding_required', `binding is required: ${why}`)
}

/**
 * The common case, without taking the URL apart: with `origins` and no `pathPrefix`, a request URL
 * that is `htu` itself, optionally followed by `?query`, where `htu` is one of the origins then a
 * path. Answers the query (`''` for none), or undefined to leave the decision to the full check.
 */
function queryAfterOwnUrl(htu: string, url: unknown, config: BindingConfig): string | undefined {
  const { origins } = config
  if (!origins || config.pathPrefix !== '' || typeof url !== 'string' || !url.startsWith(htu)) return undefined
  const end = htu.length
  if (url.length !== end && url.charCodeAt(end) !== 63 /* ? */) return undefined
  if (htu.includes('?') || htu.includes('#') || url.includes('#', end)) return undefined
  for (const origin of origins) {
    if (htu.length > origin.length && htu.charCodeAt(origin.length) === 47 /* / */ && htu.startsWith(origin)) {
      return url.length === end ? '' : url.slice(end + 1)
    }
  }
  return undefined
}

/** `htu` is one of this server's origins, then `pathPrefix` and the path it received. */
function matchesUrl(htu: string, url: ReceivedUrl, headers: BindingRequest['headers'], config: BindingConfig): boolean {
  const { origins, pathPrefix } = config
  const path = pathPrefix + url.path
  // A proxy that strips `/api` turns both `/api` and `/api/` into `/`.
  const bare = pathPrefix !== '' && url.path === '/' ? pathPrefix : undefined
  if (!origins) {
    const own = ownOrigin(url, headers, config.trustProxy)
    return own !== undefined && matchesOrigin(htu, own, path, bare)
  }
  for (const origin of origins) if (matchesOrigin(htu, origin, path, bare)) return true
  return false
}

function matchesOrigin(htu: string, origin: string, path: string, bare: string | undefined): boolean {
  // Compared in place: no concatenated string per request.
  if (!htu.startsWith(origin)) return false
  const rest = htu.length - origin.length
  return (rest === path.length && htu.endsWith(path)) || (bare !== undefined && rest === bare.length && htu.endsWith(bare))
}

function ownOrigin(url: ReceivedUrl, headers: BindingRequest['headers'], trustProxy: boolean): string | undefined {
  if (!trustProxy) return normalizeOrigin(url.scheme, url.authority)
  const scheme = firstValue(headers, 'x-forwarded-proto') ?? url.scheme
  const authority = firstValue(headers, 'x-forwarded-host') ?? url.authority
  return normalizeOrigin(scheme, authority)
}

function firstValue(headers: BindingRequest['headers'], name: string): string | undefined {
  if (!headers) return undefined
  const raw = typeof headers.get === 'function' ? (headers as Headers).get(name) : (headers as Record<string, unknown>)[name]
  const value = Array.isArray(raw) ? raw[0] : raw
  if (typeof value !== 'string') return undefined
  const comma = value.indexOf(',')
  const first = (comma < 0 ? value : value.slice(0, comma)).trim()
  return first === '' ? undefined : first
}
