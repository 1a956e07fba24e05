import { sha256Base64url } from '#backend'
import { checkBody } from '../binding/check-body.ts'
import type { AjwtError } from '../errors/ajwt-error.ts'
import type { Auth } from '../verifier/types.ts'
import { createAuthenticator, type AjwtOptions, type Authenticate } from './create-authenticator.ts'
import { announcedLength, isEarlyBody } from '../binding/early-body.ts'

/**
 * What {@link createFetchAuthenticator}'s function resolves to: on success, `request` is the one
 * to hand on, whose body is checked as it is read (the same object when the token binds no body).
 * `auth` is undefined only in optional mode, for a request without a `JWT` Authorization header.
 *
 * @example
 * ```ts
 * const result: FetchAuthenticateResult = await authenticate(request)
 * if (!result.ok) return result.error.toResponse()
 * return handle(result.request, result.auth)
 * ```
 */
export type FetchAuthenticateResult =
  | { ok: true; auth: Auth; request: Request }
  | { ok: true; auth: undefined; request: Request }
  | { ok: false; error: AjwtError }

/**
 * Authenticates one web `Request` (see {@link createFetchAuthenticator}).
 *
 * @example
 * ```ts
 * const result = await authenticate(request)
 * ```
 */
export type AuthenticateFetch<Context = Request> = (request: Request, context?: Context) => Promise<FetchAuthenticateResult>

/**
 * The one call of a fetch-style adapter (`@ajwt/hono`, `@ajwt/cloudflare`, or a plain Deno, Bun
 * or Workers handler): verifies the Authorization header against the request (method,
 * `request.url`, whether it has a body) and returns the request to hand on. When the token binds
 * the body, that request's body is checked as it streams: reading it (`json()`, `text()`, the
 * stream) rejects with an `AjwtError` instead of giving a body that does not match
 * (`body_mismatch`, 401) or is over `maxBoundBodyBytes` (`body_too_large`, 413). Map that
 * rejection with `isAjwtError(error)` and `error.toResponse()`. `context` (default: the request)
 * is what `getToken`, `onVerified` and `onRejected` receive: Hono passes its `c`.
 *
 * @example
 * ```ts
 * import { createFetchAuthenticator, isAjwtError } from '@ajwt/core'
 *
 * const authenticate = createFetchAuthenticator({ keys, nonces, origins: ['https://api.example.com'] })
 * export default {
 *   async fetch(request: Request): Promise<Response> {
 *     const result = await authenticate(request)
 *     if (!result.ok) return result.error.toResponse()
 *     try {
 *       const order = await result.request.json()
 *       return Response.json({ accepted: order, by: result.auth?.username })
 *     } catch (error) {
 *       if (isAjwtError(error)) return error.toResponse()
 *       throw error
 *     }
 *   },
 * }
 * ```
 */
export function createFetchAuthenticator<Context = Request>(options: AjwtOptions<Context>): AuthenticateFetch<Context> {
  const authenticate = createAuthenticator(options)
  // The same middleware mounted twice sees the request twice (the second time, possibly as the
  // request it handed on): it is one authentication, not a replay. A property of the request, one
  // symbol per middleware: a WeakMap entry per request cost Hono a quarter of its throughput, in GC
  // above all (bench/results/hono-weakmap-ab.md).
  const done = Symbol('ajwt authentication')
  const frozen = new WeakMap<Request, Promise<FetchAuthenticateResult>>()
  const mark = (request: Request, result: Promise<FetchAuthenticateResult>): void => {
    if (Object.isExtensible(request)) (request as Marked)[done] = result
    else frozen.set(request, result)
  }
  return (input, context) => {
    let result = (input as Marked)[done] ?? frozen.get(input)
    if (!result) {
      result = authenticateOnce(authenticate, input, context ?? (input as Context), (request) => mark(request, result!))
      mark(input, result)
    }
    return result
  }
}

type Marked = Request & { [key: symbol]: Promise<FetchAuthenticateResult> | undefined }

async function authenticateOnce<Context>(
  authenticate: Authenticate<Context>,
  input: Request,
  context: Context,
  handOn: (request: Request) => void,
): Promise<FetchAuthenticateResult> {
  const { headers } = input
  const length = lengthOf(input)
  // A small body is read before the nonce is claimed (only for a token that binds one): a
  // tampered copy racing ahead of the genuine request is then refused without using it up.
  let buffered: Promise<Uint8Array<ArrayBuffer>> | undefined
  const bodyDigest = isEarlyBody(length) && input.body !== null
    ? () => (buffered ??= input.arrayBuffer().then((bytes) => new Uint8Array(bytes))).then(sha256Base64url)
    : undefined
  const result = await authenticate(headers.get('authorization'), {
    method: input.method,
    url: input.url,
    headers,
    hasBody: hasBody(input, length),
    ...(bodyDigest ? { bodyDigest } : {}),
  }, context)
  if (!result.ok) return result
  // Nothing of the body to check: hand the request on untouched. @hono/node-server builds the real
  // Request (and a web stream of the body) only when `.body` is read, which then costs every request.
  if (!buffered && (!result.auth?.binding || isBodiless(input))) return { ...result, request: input }
  const request = buffered ? new Request(input, { body: await buffered }) : input
  const body = result.auth?.binding ? checkBody(request.body, result.auth) : request.body
  // duplex is required by Node's fetch for a stream body, and not yet in every RequestInit type.
  const handed = body === request.body ? request : new Request(request, { body, duplex: 'half' } as RequestInit)
  if (handed !== input) handOn(handed)
  return { ...result, request: handed }
}

const lengthOf = ({ headers }: Request) => announcedLength(headers.get('content-length'), headers.has('transfer-encoding'))

// A GET or HEAD Request never has a body (the Request constructor refuses one).
const isBodiless = ({ method }: Request): boolean => method === 'GET' || method === 'HEAD'

// The headers say so when they can: a runtime may drop a GET's body (body null) that the client
// sent, or give a bodiless DELETE an empty stream. When they are silent, checkBody finds out.
function hasBody(request: Request, length: ReturnType<typeof lengthOf>): boolean | undefined {
  if (length !== undefined && length !== 0) return true
  if (isBodiless(request)) return false
  if (request.body === null || length !== undefined) return false
  return undefined
}
