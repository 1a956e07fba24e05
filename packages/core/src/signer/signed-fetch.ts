import { bindingClaims, type RequestClaims } from './request-claims.ts'
import { readRequestBody } from './read-request-body.ts'

// Only to let Request serialize the body of a relative URL; never sent.
const RELATIVE_BASE = 'http://relative.invalid'

/**
 * `fetch` with an Authorization header bound to the request it goes with: the method, the final
 * URL and the exact body bytes. The request is built once (so a FormData gets its one multipart
 * boundary, in the content-type sent), its body read (at most `maxBodyBytes`), and sent with
 * those bytes: what was signed is what goes on the wire. A URL that only the given `fetch` can
 * resolve (a path, with a fetch that prefixes its own base) binds the method, query and body,
 * not the URL.
 */
export function createSignedFetch(
  authorization: (claims: RequestClaims) => Promise<string>,
  fetchImpl: () => typeof fetch,
  maxBodyBytes: number,
) {
  return async function signedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const relative = isRelative(input)
    const request = new Request(relative ? new URL(String(input), RELATIVE_BASE) : input, init)
    const body = await readRequestBody(request, maxBodyBytes)
    const headers = new Headers(request.headers)
    const claims = await bindingClaims(request.method, new URL(request.url), !relative, body)
    headers.set('authorization', await authorization(claims))
    if (input instanceof Request) return fetchImpl()(new Request(request, { headers, body }), withoutBody(init))
    // The input as given: a fetch that resolves paths itself still gets its path.
    return fetchImpl()(input, { ...init, method: request.method, headers, body })
  }
}

/** A URL that this runtime cannot resolve by itself (no `location` to resolve it against). */
function isRelative(input: string | URL | Request): boolean {
  if (typeof input !== 'string') return false
  const base = (globalThis as { location?: { href?: unknown } }).location?.href
  return URL.parse(input, typeof base === 'string' ? base : undefined) === null
}

// Options a Request does not carry (undici's `dispatcher`, Workers' `cf`) still reach fetch.
function withoutBody(init: RequestInit | undefined): RequestInit {
  const extra: RequestInit = { ...init }
  delete extra.body
  delete extra.headers
  return extra
}
