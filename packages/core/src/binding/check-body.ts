import { AjwtError } from '../errors/ajwt-error.ts'
import { createBodyCheck, type BodyCheck } from './body-check.ts'
import type { BodyBinding } from './types.ts'

/**
 * What {@link checkBody} reads of a verified request: `auth.binding` (an `Auth`, or `undefined`
 * for a request let through without one in optional mode).
 *
 * @example
 * ```ts
 * const bound: BoundAuth | undefined = result.ok ? result.auth : undefined
 * ```
 */
export type BoundAuth = { readonly binding?: BodyBinding | undefined }

/**
 * Passes a request body through while checking it against the token's `htb` claim, so that a
 * body parser downstream fails instead of handing a tampered body to the handler. The SHA-256 is
 * computed as the chunks stream (node:crypto on Node, `crypto.DigestStream` on workerd; elsewhere
 * the body is buffered, up to `maxBoundBodyBytes`, and hashed at its end). The last chunk is held
 * back until the digest matches. The stream errors with an `AjwtError`:
 * - `body_mismatch` (401): the digest differs, a bound body is empty, or a token that binds a
 *   request without a body comes with one (at its first byte);
 * - `body_too_large` (413): past the verifier's `maxBoundBodyBytes`, at once.
 *
 * With no `auth.binding` (an unbound token, binding `'off'`) the body is returned untouched.
 *
 * @example
 * ```ts
 * const result = await verifier.verify(request.headers.get('authorization'), {
 *   method: request.method, url: request.url, headers: request.headers, hasBody: request.body !== null,
 * })
 * if (!result.ok) return result.error.toResponse()
 * const checked = new Request(request, { body: checkBody(request.body, result.auth), duplex: 'half' } as RequestInit)
 * try {
 *   await handle(await checked.json())
 * } catch (error) {
 *   if (isAjwtError(error)) return error.toResponse() // 401 body_mismatch, 413 body_too_large
 *   throw error
 * }
 * ```
 */
export function checkBody(body: ReadableStream<Uint8Array>, auth: BoundAuth | undefined): ReadableStream<Uint8Array>
export function checkBody(body: ReadableStream<Uint8Array> | null, auth: BoundAuth | undefined): ReadableStream<Uint8Array> | null
export function checkBody(body: ReadableStream<Uint8Array> | null, auth: BoundAuth | undefined): ReadableStream<Uint8Array> | null {
  const binding = auth?.binding
  if (!binding) return body
  if (body === null) {
    if (binding.htb === undefined) return null
    const missing = new AjwtError('body_mismatch', 'the token binds a body, and the request has none')
    return new ReadableStream<Uint8Array>({ start: (controller) => controller.error(missing) })
  }
  const check = createBodyCheck(binding)
  let held: Uint8Array | undefined
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, controller) {
        await check.update(chunk)
        if (held) controller.enqueue(held)
        held = chunk
      },
      async flush(controller) {
        await check.finish()
        if (held) controller.enqueue(held)
      },
    }),
  )
}

/**
 * {@link checkBody} for an async iterable of chunks, such as a Node `IncomingMessage` (without
 * `setEncoding`): yields the chunks while hashing them, holds back the last one until the digest
 * matches, and throws the `AjwtError` (`body_mismatch`, `body_too_large`) instead.
 *
 * @example
 * ```ts
 * // node:http: `req` is an async iterable of Buffers
 * const parts: Uint8Array[] = []
 * try {
 *   for await (const chunk of checkBodyChunks(req, result.auth)) parts.push(chunk)
 * } catch (error) {
 *   if (isAjwtError(error)) return res.writeHead(error.status, error.headers).end(JSON.stringify(error.body))
 *   throw error
 * }
 * handle(JSON.parse(Buffer.concat(parts).toString('utf8')))
 * ```
 */
export function checkBodyChunks(chunks: AsyncIterable<Uint8Array>, auth: BoundAuth | undefined): AsyncIterable<Uint8Array> {
  const binding = auth?.binding
  return binding ? checked(chunks, createBodyCheck(binding)) : chunks
}

async function* checked(chunks: AsyncIterable<Uint8Array>, check: BodyCheck): AsyncGenerator<Uint8Array, void, undefined> {
  let held: Uint8Array | undefined
  for await (const chunk of chunks) {
    await check.update(chunk)
    if (held) yield held
    held = chunk
  }
  await check.finish()
  if (held) yield held
}
