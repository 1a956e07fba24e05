import { createHash, randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { expectAjwtError, NOW } from '../../test/helpers.ts'
import { AjwtError } from '../errors/ajwt-error.ts'
import { generateKeyPair } from '../keys/generate-key-pair.ts'
import { createSigner } from '../signer/create-signer.ts'
import { MemoryKeyStore } from '../stores/memory-key-store.ts'
import { MemoryNonceStore } from '../stores/memory-nonce-store.ts'
import { createVerifier } from '../verifier/create-verifier.ts'
import { checkBody, checkBodyChunks } from './check-body.ts'
import type { BodyBinding } from './types.ts'

const MiB = 1024 * 1024
const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64url')
const bound = (bytes: Uint8Array, maxBodyBytes = 16 * MiB): { binding: BodyBinding } => ({ binding: { htb: digest(bytes), maxBodyBytes } })
const noBody = { binding: { htb: undefined, maxBodyBytes: 16 * MiB } }

/** A stream of `bytes` cut into chunks of 1 to `max` bytes; counts the chunks pulled. */
function chunked(bytes: Uint8Array, max: number) {
  let at = 0
  const state = { pulled: 0 }
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close()
      const size = 1 + ((at * 7919) % max)
      controller.enqueue(bytes.slice(at, at + size))
      at += size
      state.pulled++
    },
  })
  return { stream, state }
}

/** Reads a checked stream: the bytes that came through, and how it ended. */
async function drain(stream: ReadableStream<Uint8Array>): Promise<{ bytes: Uint8Array; error: unknown }> {
  const reader = stream.getReader()
  const parts: Uint8Array[] = []
  let error: unknown
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      parts.push(value)
    }
  } catch (caught) {
    error = caught
  }
  return { bytes: new Uint8Array(Buffer.concat(parts)), error }
}

const codeOf = (error: unknown) => (error instanceof AjwtError ? error.code : error === undefined ? 'ok' : String(error))

describe('checkBody', () => {
  const body = new TextEncoder().encode('{"amount":12,"currency":"EUR"}')

  it('passes a matching body through unchanged', async () => {
    const { bytes, error } = await drain(checkBody(new Response(body).body!, bound(body)))
    expect(error).toBeUndefined()
    expect(bytes).toEqual(body)
  })

  it('a body changed by one byte, anywhere, fails at its end with body_mismatch (401)', async () => {
    for (const index of [0, 7, body.length - 1]) {
      const tampered = body.slice()
      tampered[index]! ^= 1
      const { bytes, error } = await drain(checkBody(chunked(tampered, 3).stream, bound(body)))
      expect(codeOf(error), `byte ${index}`).toBe('body_mismatch')
      expect((error as AjwtError).status).toBe(401)
      // The last chunk is held back: a consumer never holds the whole tampered body.
      expect(bytes.length).toBeLessThan(body.length)
    }
  })

  it('a body cut short or extended fails', async () => {
    for (const other of [body.slice(0, -1), Buffer.concat([body, Buffer.from(' ')])]) {
      expect(codeOf((await drain(checkBody(new Response(other).body!, bound(body)))).error)).toBe('body_mismatch')
    }
  })

  it('a bound body that is empty fails; so does no body at all', async () => {
    expect(codeOf((await drain(checkBody(new Response('').body!, bound(body)))).error)).toBe('body_mismatch')
    expect(codeOf((await drain(checkBody(null, bound(body))!)).error)).toBe('body_mismatch')
  })

  it('a token that binds a request without a body: no body passes, one byte fails at once', async () => {
    expect(checkBody(null, noBody)).toBeNull()
    expect(codeOf((await drain(checkBody(new Response('').body!, noBody))).error)).toBe('ok')
    const { stream, state } = chunked(randomBytes(1024), 16)
    const { bytes, error } = await drain(checkBody(stream, noBody))
    expect(codeOf(error)).toBe('body_mismatch')
    expect(bytes.length).toBe(0)
    expect(state.pulled).toBeLessThan(5)
  })

  it('many small chunks (1 to 7 bytes) hash as one body', async () => {
    const large = randomBytes(100_000)
    const { stream, state } = chunked(large, 7)
    const { bytes, error } = await drain(checkBody(stream, bound(large)))
    expect(error).toBeUndefined()
    expect(state.pulled).toBeGreaterThan(20_000)
    expect(Buffer.from(bytes).equals(large)).toBe(true)
  })

  it('an 8 MiB body streamed in 64 KiB chunks', async () => {
    const large = randomBytes(8 * MiB)
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < large.length; at += 64 * 1024) controller.enqueue(large.subarray(at, at + 64 * 1024))
        controller.close()
      },
    })
    const { bytes, error } = await drain(checkBody(stream, bound(large)))
    expect(error).toBeUndefined()
    expect(bytes.length).toBe(8 * MiB)
    const tampered = Buffer.from(large)
    tampered[4 * MiB]! ^= 0x80
    expect(codeOf((await drain(checkBody(new Response(tampered).body!, bound(large)))).error)).toBe('body_mismatch')
  })

  it('past maxBodyBytes: body_too_large (413) at once, and the source is cancelled', async () => {
    const large = randomBytes(1 * MiB)
    let cancelled = false
    let pulled = 0
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++
        controller.enqueue(large.subarray(0, 1024))
      },
      cancel() {
        cancelled = true
      },
    })
    const { error } = await drain(checkBody(source, bound(large, 10_000)))
    expect(codeOf(error)).toBe('body_too_large')
    expect((error as AjwtError).status).toBe(413)
    expect((error as AjwtError).body).toEqual({ error: 'invalid_request', message: 'The request body is too large' })
    expect(pulled).toBeLessThan(20)
    await new Promise((resolve) => setTimeout(resolve, 10)) // the pipe cancels its source asynchronously
    expect(cancelled).toBe(true)
    // Exactly at the limit is fine.
    const exact = randomBytes(10_000)
    expect(codeOf((await drain(checkBody(chunked(exact, 999).stream, bound(exact, 10_000)))).error)).toBe('ok')
  })

  it('without auth.binding (an unbound token, binding off, optional mode) the body is returned as is', () => {
    const stream = new Response('x').body!
    expect(checkBody(stream, { binding: undefined })).toBe(stream)
    expect(checkBody(stream, {})).toBe(stream)
    expect(checkBody(stream, undefined)).toBe(stream)
    expect(checkBody(null, undefined)).toBeNull()
  })

  it('refuses text chunks: the digest is over bytes', async () => {
    const text = new ReadableStream({ start: (c) => (c.enqueue('text'), c.close()) }) as unknown as ReadableStream<Uint8Array>
    expect((await drain(checkBody(text, bound(body)))).error).toBeInstanceOf(TypeError)
  })
})

describe('checkBodyChunks', () => {
  const body = randomBytes(300_000)

  async function collect(chunks: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; error: unknown }> {
    const parts: Uint8Array[] = []
    try {
      for await (const chunk of chunks) parts.push(chunk)
    } catch (error) {
      return { bytes: Buffer.concat(parts), error }
    }
    return { bytes: Buffer.concat(parts), error: undefined }
  }

  it('a Node stream of many small chunks: passes through when it matches', async () => {
    const pieces = Array.from({ length: 3000 }, (_, i) => body.subarray(i * 100, (i + 1) * 100))
    const { bytes, error } = await collect(checkBodyChunks(Readable.from(pieces, { objectMode: false }), bound(body)))
    expect(error).toBeUndefined()
    expect(bytes.equals(body)).toBe(true)
  })

  it('throws body_mismatch for one changed byte, body_too_large past the limit, and destroys the source', async () => {
    const tampered = Buffer.from(body)
    tampered[150_000]! ^= 1
    expect(codeOf((await collect(checkBodyChunks(Readable.from([tampered.subarray(0, 1000), tampered.subarray(1000)]), bound(body)))).error)).toBe('body_mismatch')
    const source = Readable.from((function* () {
      for (;;) yield body.subarray(0, 4096)
    })())
    expect(codeOf((await collect(checkBodyChunks(source, bound(body, 64 * 1024)))).error)).toBe('body_too_large')
    expect(source.destroyed).toBe(true)
  })

  it('a body for a token that binds none fails at its first byte; no binding returns the iterable itself', async () => {
    expect(codeOf((await collect(checkBodyChunks(Readable.from([Buffer.from('x')]), noBody))).error)).toBe('body_mismatch')
    expect(codeOf((await collect(checkBodyChunks(Readable.from([]), noBody))).error)).toBe('ok')
    const chunks = Readable.from([Buffer.from('x')])
    expect(checkBodyChunks(chunks, undefined)).toBe(chunks)
  })
})

describe('checkBody with a real signer and verifier', () => {
  it('the body bound by signer.authorization passes; another fails', async () => {
    const pair = await generateKeyPair()
    const signer = createSigner({ username: 'billing', privateKey: pair.privateKey, now: () => NOW })
    const verifier = createVerifier({ keys: new MemoryKeyStore({ billing: [pair.publicKey] }), nonces: new MemoryNonceStore(), now: () => NOW })
    const body = new URLSearchParams({ amount: '12', note: 'café ☕' })
    const url = 'https://api.example.com/v1/invoices'
    const first = await verifier.verify(await signer.authorization({ method: 'POST', url, body }), { method: 'POST', url, hasBody: true })
    if (!first.ok) throw first.error
    expect(await new Response(checkBody(new Response(body).body!, first.auth)).text()).toBe(body.toString())
    const second = await verifier.verify(await signer.authorization({ method: 'POST', url, body }), { method: 'POST', url, hasBody: true })
    if (!second.ok) throw second.error
    await expectAjwtError(() => new Response(checkBody(new Response('amount=1200').body!, second.auth)).text(), 'body_mismatch')
  })
})
