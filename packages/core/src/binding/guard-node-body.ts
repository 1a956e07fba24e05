import { sha256Base64url } from '#backend'
import { concatBytes } from '../bytes/concat-bytes.ts'
import { AjwtError } from '../errors/ajwt-error.ts'
import { bodyTooLarge, createBodyCheck, type BodyCheck } from './body-check.ts'
import { reportBodyRejection } from './body-rejections.ts'
import type { BodyBinding } from './types.ts'
import { announcedLength, isEarlyBody } from './early-body.ts'

/**
 * The parts of a Node `http.IncomingMessage` (Express `req`, Koa `ctx.req`, Fastify
 * `request.raw`) that ajwt reads and guards, described structurally so that core imports nothing
 * from `node:`.
 *
 * @example
 * ```ts
 * const incoming: NodeIncomingMessage = req // node:http's IncomingMessage
 * ```
 */
export interface NodeIncomingMessage {
  method?: string | undefined
  url?: string | undefined
  headers: Record<string, string | string[] | undefined>
  /** `encrypted` is true on a TLS socket. */
  socket?: object | null | undefined
  /** True once the whole message has been received. */
  complete: boolean
  readonly readableLength: number
  readonly readableFlowing: boolean | null
  readonly readableDidRead?: boolean
  readonly readableEnded: boolean
  readonly destroyed: boolean
  // The stream methods are typed loosely on purpose: IncomingMessage's own signatures must fit.
  push(chunk: any, encoding?: any): boolean
  read(size?: number): any
  unshift(chunk: any, encoding?: any): void
  destroy(error?: Error): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
  emit(event: 'end'): boolean
  emit(event: 'error', error: Error): boolean
  once(event: 'close', listener: () => void): unknown
  readonly closed?: boolean
}

export interface NodeBodyGuard {
  /** The body's digest when all of it arrived before the token was verified (see `BindingRequest.bodyDigest`). */
  digest(): string | Promise<string | undefined> | undefined
  /**
   * Called once the token is verified: with its binding, the body is checked from here on (an
   * `AjwtError` when it cannot be, or already failed); without, the body flows untouched.
   */
  settle(binding: BodyBinding | undefined): AjwtError | undefined | Promise<AjwtError | undefined>
}

type Push = (chunk: unknown, encoding?: unknown) => boolean
type Guarded = NodeIncomingMessage & { _destroy?: (error: Error | null, callback: (error?: Error | null) => void) => void }

const NO_BODY: NodeBodyGuard = { digest: () => undefined, settle: () => undefined }
const noop = () => undefined

const lengthOf = (headers: NodeIncomingMessage['headers']) => {
  const length = headers['content-length']
  return announcedLength(typeof length === 'string' ? length : undefined, headers['transfer-encoding'] !== undefined)
}

/** Whether the request's headers announce a body (RFC 9112 §6.3). */
export function announcesBody(headers: NodeIncomingMessage['headers']): boolean {
  const length = lengthOf(headers)
  return length !== undefined && length !== 0
}

/**
 * Watches a Node request's body from the moment the adapter sees the request, before its token is
 * verified: the chunks Node's HTTP parser pushes go through `push`, which is wrapped on this one
 * request. Until {@link NodeBodyGuard.settle} the last chunk and the end are held back; a bound
 * body is then hashed as it arrives, and its last chunk and end are released only once the digest
 * matches. A mismatch errors the stream (body parsers fail with the `AjwtError`) without closing
 * the connection, so the 401 can still be sent.
 */
export function guardNodeBody(req: NodeIncomingMessage): NodeBodyGuard {
  const length = lengthOf(req.headers)
  if (length === undefined || length === 0) return NO_BODY
  const earlyBody = isEarlyBody(length)
  if (req.readableDidRead || req.readableFlowing === true || req.readableEnded || req.destroyed) return blind()

  const guarded = req as Guarded
  const original = guarded.push
  const push = (original as Push).bind(guarded)
  let seen: Uint8Array[] = []
  let held: Uint8Array | undefined
  // Node pushed the end before the adapter ran: the whole body is in the buffer already.
  const completeAtStart = guarded.complete
  let endHeld = false
  let failure: AjwtError | undefined
  let state: 'pending' | 'checking' | 'failed' | 'passing' = 'pending'
  let check: BodyCheck | undefined
  let queue: Promise<void> | undefined

  // Chunks that arrived before the adapter ran (another middleware awaited): read them out to
  // see them, and put them back at once, in this same tick, so the stream never looks empty.
  if (guarded.readableLength > 0) {
    const buffered: unknown = guarded.read()
    if (buffered instanceof Uint8Array) {
      seen.push(buffered)
      guarded.unshift(buffered)
    }
  }

  // Who waits for the whole of a small body (digest), woken with its digest when the end arrives.
  let waiter: ((digest: string | Promise<string> | undefined) => void) | undefined
  const wake = () => {
    const resolve = waiter
    waiter = undefined
    if (resolve) resolve(whole())
  }

  // Put back, not deleted: deleting a property sends the request object to V8's slow dictionary
  // mode for the rest of its life.
  const restore = () => {
    guarded.push = original
  }

  // From here on the body flows untouched: what was held back goes on, and push is Node's again.
  const passThrough = () => {
    state = 'passing'
    restore()
    seen = []
    if (held) push(held)
    held = undefined
    if (endHeld) push(null)
  }

  const fail = (error: unknown) => {
    if (state === 'failed') return
    state = 'failed'
    failure = error instanceof AjwtError ? error : new AjwtError('body_mismatch', `the body could not be checked: ${String(error)}`, { cause: error })
    seen = []
    held = undefined
    // Destroying an IncomingMessage mid-body would close the socket, and the 401 with it: error
    // the stream only. The listener keeps a body nobody reads from becoming an uncaught error.
    guarded._destroy = (cause, callback) => callback(cause)
    guarded.on('error', noop)
    guarded.destroy(failure)
    // light-my-request (fastify.inject) ignores destroy() once its payload is pushed: tell its reader.
    if (!guarded.destroyed) guarded.emit('error', failure)
  }

  const finish = () => {
    const current = check
    if (!current) return
    const release = () => {
      if (state === 'checking') passThrough()
    }
    const done = (queue ?? Promise.resolve()).then(() => current.finish())
    queue = done.then(release, fail)
  }

  const update = (chunk: Uint8Array) => {
    const current = check
    if (!current) return
    const run = () => {
      const pending = current.update(chunk)
      return pending instanceof Promise ? pending : undefined
    }
    try {
      const pending = queue ? queue.then(run) : run()
      if (pending) queue = pending.catch(fail)
    } catch (error) {
      fail(error)
    }
  }

  guarded.push = function guardedPush(chunk: unknown, encoding?: unknown): boolean {
    if (state === 'failed') {
      // A reader that reads off the rest of a failed body before answering (body-parser does)
      // waits for the request's end: the stream is errored, so tell it here.
      if (chunk === null) {
        if (guarded.closed) guarded.emit('end')
        else guarded.once('close', () => guarded.emit('end'))
      }
      return true
    }
    if (state === 'passing') return push(chunk, encoding)
    if (chunk === null || chunk === undefined) {
      endHeld = true
      if (state === 'checking') finish()
      wake()
      return false
    }
    if (!(chunk instanceof Uint8Array)) {
      const bytes = typeof chunk === 'string' ? encode(chunk, encoding) : undefined
      if (!bytes) {
        fail(new TypeError('ajwt: the request body must arrive as bytes or text'))
        return true
      }
      return guardedPush(bytes)
    }
    if (state === 'pending') seen.push(chunk)
    else update(chunk)
    if (failure) return true
    const previous = held
    held = chunk
    return previous ? push(previous) : true
  }

  let early: string | Promise<string> | undefined
  let earlyDigest: string | undefined
  const whole = () => {
    if (state !== 'pending' || !(endHeld || completeAtStart)) return undefined
    if (early === undefined) {
      early = sha256Base64url(seen.length === 1 ? (seen[0] as Uint8Array) : concatBytes(seen))
      if (typeof early === 'string') earlyDigest = early
      else early.then((value) => (earlyDigest = value), () => undefined)
    }
    return early
  }
  return {
    digest() {
      if (state !== 'pending') return undefined
      if (endHeld || completeAtStart || !earlyBody) return whole()
      // A small body is waited for before the nonce is claimed: a tampered copy racing ahead of
      // the genuine request is then refused without using its token up.
      // A client that never sends the rest leaves this pending, with the request: both are
      // collected once the server drops the connection.
      const digest = new Promise<string | undefined>((resolve) => {
        const before = waiter
        waiter = before ? (value) => (before(value), resolve(value)) : resolve
      })
      // A request that is not fed by a socket produces its body only when read (light-my-request,
      // fastify.inject): ask it. A socket's data comes by itself (read(0) would cost it a resume).
      if ((guarded.socket as { readable?: unknown } | null | undefined)?.readable !== true) guarded.read(0)
      return digest
    },
    settle(binding) {
      if (state === 'failed') return failure
      if (state !== 'pending') return undefined
      if (!binding) {
        passThrough()
        return undefined
      }
      // The whole body was hashed before the nonce was claimed, and the verifier compared it: only
      // its size is left to check.
      if (earlyDigest !== undefined && earlyDigest === binding.htb) {
        let size = 0
        for (const chunk of seen) size += chunk.byteLength
        if (size > binding.maxBodyBytes) {
          const error = bodyTooLarge(binding.maxBodyBytes)
          reportBodyRejection(binding, error)
          fail(error)
          return error
        }
        passThrough()
        return undefined
      }
      state = 'checking'
      check = createBodyCheck(binding)
      const before = seen
      seen = []
      for (const chunk of before) update(chunk)
      if (failure) return failure
      if (endHeld) finish()
      // Nothing is held back of a body that was complete before the adapter ran: its readers must
      // wait for the digest.
      else if (completeAtStart) {
        finish()
        return (queue ?? Promise.resolve()).then(() => failure)
      }
      return undefined
    },
  }
}

// What a Readable makes of a pushed string (light-my-request, Fastify's inject, pushes text): the
// bytes are hashed and pushed instead, so the reader gets exactly what was checked.
function encode(text: string, encoding: unknown): Uint8Array | undefined {
  if (encoding === undefined || encoding === 'utf8' || encoding === 'utf-8') return new TextEncoder().encode(text)
  const { Buffer } = globalThis as { Buffer?: { from(text: string, encoding: string): Uint8Array } }
  return Buffer && typeof encoding === 'string' ? Buffer.from(text, encoding) : undefined
}

// The body was already read (or is being read) by something that ran before the adapter: it cannot
// be checked, so a token that binds it is refused rather than trusted.
function blind(): NodeBodyGuard {
  return {
    digest: () => undefined,
    settle(binding) {
      if (!binding) return undefined
      const error = new AjwtError('body_mismatch', 'the body was read before ajwt ran, so it cannot be checked: put ajwt before body parsers')
      reportBodyRejection(binding, error)
      return error
    },
  }
}
