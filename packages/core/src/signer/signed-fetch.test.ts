import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAjwtError, NOW } from '../../test/helpers.ts'
import { checkBodyChunks } from '../binding/check-body.ts'
import { requestUrl } from '../binding/request-url.ts'
import { isAjwtError } from '../errors/ajwt-error.ts'
import { generateKeyPair } from '../keys/generate-key-pair.ts'
import { MemoryKeyStore } from '../stores/memory-key-store.ts'
import { MemoryNonceStore } from '../stores/memory-nonce-store.ts'
import { createVerifier } from '../verifier/create-verifier.ts'
import { createSigner } from './create-signer.ts'

const pair = await generateKeyPair()
const signer = createSigner({ username: 'billing', privateKey: pair.privateKey, now: () => NOW })
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('base64url')

interface Received {
  method: string
  target: string
  headers: IncomingHttpHeaders
  bytes: Buffer
  /** The verifier's verdict, binding required, the body checked as it streamed in. */
  verdict: string
}

/** A node:http server that verifies each request as an adapter will: binding required, body checked as it streams. */
describe('signer.fetch binds the request it sends (a real node:http server)', () => {
  let server: Server
  let base: string
  const received: Received[] = []
  const verifier = createVerifier({
    keys: new MemoryKeyStore({ billing: [pair.publicKey] }),
    nonces: new MemoryNonceStore(),
    now: () => NOW,
    binding: 'required',
  })

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const length = req.headers['content-length']
      const hasBody = length !== undefined ? Number(length) > 0 : req.headers['transfer-encoding'] !== undefined
      const url = requestUrl({ scheme: 'http', host: req.headers.host, target: req.url ?? '/' })
      const result = await verifier.verify(req.headers.authorization, { method: req.method ?? '', url, headers: req.headers, hasBody })
      const parts: Buffer[] = []
      let verdict = result.ok ? 'ok' : result.error.code
      try {
        for await (const chunk of result.ok ? checkBodyChunks(req, result.auth) : req) parts.push(chunk as Buffer)
      } catch (error) {
        verdict = isAjwtError(error) ? error.code : String(error)
      }
      received.push({ method: req.method!, target: req.url!, headers: req.headers, bytes: Buffer.concat(parts), verdict })
      res.writeHead(verdict === 'ok' ? 200 : 401, { connection: 'close' }).end(verdict)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  /** Sends one request; returns what the server received, after checking that htb covers exactly those bytes. */
  async function send(input: string | URL | Request, init?: RequestInit): Promise<Received> {
    received.length = 0
    const response = await signer.fetch(input, init)
    expect(await response.text()).toBe(received[0]?.verdict)
    expect(received).toHaveLength(1)
    const got = received[0]!
    const claims = decodeJwt(got.headers.authorization!.slice(4))
    if (got.bytes.length > 0) expect(claims.htb).toBe(sha256(got.bytes))
    else expect(claims).not.toHaveProperty('htb')
    expect(claims.htm).toBe(got.method)
    return got
  }

  it('a string body', async () => {
    const got = await send(`${base}/v1/notes`, { method: 'POST', body: 'héllo wörld', headers: { 'content-type': 'text/plain' } })
    expect(got).toMatchObject({ verdict: 'ok', method: 'POST', target: '/v1/notes' })
    expect(got.bytes.toString()).toBe('héllo wörld')
  })

  it('a Uint8Array body', async () => {
    const bytes = randomBytes(5000)
    const got = await send(`${base}/v1/blobs/1`, { method: 'PUT', body: new Uint8Array(bytes) })
    expect(got.verdict).toBe('ok')
    expect(got.bytes.equals(bytes)).toBe(true)
  })

  it('a Blob body, with its type', async () => {
    const got = await send(`${base}/v1/upload`, { method: 'POST', body: new Blob(['{"a":', '1}'], { type: 'application/json' }) })
    expect(got.verdict).toBe('ok')
    expect(got.headers['content-type']).toBe('application/json')
  })

  it('a URLSearchParams body', async () => {
    const got = await send(`${base}/v1/form`, { method: 'POST', body: new URLSearchParams({ a: '1 2', b: 'ü&=' }) })
    expect(got.verdict).toBe('ok')
    expect(got.bytes.toString()).toBe('a=1+2&b=%C3%BC%26%3D')
    expect(got.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8')
  })

  it('a FormData body: the one boundary is in the content-type and in the bytes hashed', async () => {
    const form = new FormData()
    form.append('name', 'invoice')
    form.append('file', new Blob([randomBytes(2000)], { type: 'application/pdf' }), 'invoice.pdf')
    const got = await send(`${base}/v1/files`, { method: 'POST', body: form })
    expect(got.verdict).toBe('ok')
    const boundary = /boundary=(.+)$/.exec(got.headers['content-type']!)![1]!
    expect(got.bytes.toString('latin1').startsWith(`--${boundary}\r\n`)).toBe(true)
  })

  it('a ReadableStream body: read first, sent with its length', async () => {
    const bytes = randomBytes(300_000)
    let at = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= bytes.length) return controller.close()
        controller.enqueue(new Uint8Array(bytes.subarray(at, at + 1000)))
        at += 1000
      },
    })
    const got = await send(`${base}/v1/stream`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit)
    expect(got.verdict).toBe('ok')
    expect(got.bytes.equals(bytes)).toBe(true)
    expect(got.headers['content-length']).toBe('300000')
  })

  it('GET and DELETE without a body: no htb', async () => {
    expect((await send(`${base}/v1/invoices`)).verdict).toBe('ok')
    expect((await send(`${base}/v1/invoices/7`, { method: 'DELETE' })).verdict).toBe('ok')
  })

  it('an empty POST body: no htb', async () => {
    const got = await send(`${base}/v1/ping`, { method: 'POST', body: '' })
    expect(got).toMatchObject({ verdict: 'ok', bytes: Buffer.alloc(0) })
  })

  it('a URL with a query (binds it as the URL serializes it)', async () => {
    const got = await send(`${base}/v1/search?q=a b&lang=fr&é=1#fragment`)
    expect(got).toMatchObject({ verdict: 'ok', target: '/v1/search?q=a%20b&lang=fr&%C3%A9=1' })
    expect(decodeJwt(got.headers.authorization!.slice(4)).htq).toBe(sha256('q=a%20b&lang=fr&%C3%A9=1'))
  })

  it('a Request object as input, alone or with init', async () => {
    const got = await send(new Request(`${base}/v1/r?x=1`, { method: 'PATCH', body: 'patch-body', headers: { 'x-trace': 't1' } }))
    expect(got).toMatchObject({ verdict: 'ok', method: 'PATCH', target: '/v1/r?x=1' })
    expect(got.headers['x-trace']).toBe('t1')
    const overridden = await send(new Request(`${base}/v1/r`, { method: 'POST', body: 'old' }), { method: 'PUT', body: 'new' })
    expect(overridden).toMatchObject({ verdict: 'ok', method: 'PUT' })
    expect(overridden.bytes.toString()).toBe('new')
  })

  it('a URL object as input', async () => {
    expect((await send(new URL(`${base}/v1/u?y=2`))).verdict).toBe('ok')
  })

  it('over maxBodyBytes: refused before anything is sent, the stream cancelled', async () => {
    const small = createSigner({ username: 'billing', privateKey: pair.privateKey, now: () => NOW, maxBodyBytes: 1024 })
    received.length = 0
    let cancelled = false
    const endless = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.enqueue(new Uint8Array(100)),
      cancel: () => {
        cancelled = true
      },
    })
    await expectAjwtError(() => small.fetch(`${base}/x`, { method: 'POST', body: endless, duplex: 'half' } as RequestInit), 'invalid_options', /maxBodyBytes \(1024 bytes\)/)
    expect(cancelled).toBe(true)
    await expectAjwtError(() => small.fetch(`${base}/x`, { method: 'POST', body: 'x'.repeat(1025) }), 'invalid_options', /maxBodyBytes/)
    expect(received).toEqual([])
    expect(await (await small.fetch(`${base}/x`, { method: 'POST', body: 'x'.repeat(1024) })).text()).toBe('ok')
  })
})

describe('signer.fetch: what a fetch implementation receives', () => {
  function stubbed() {
    const seen: Array<{ request: Request; init: RequestInit | undefined; bytes: Uint8Array }> = []
    const stub = createSigner({
      username: 'billing',
      privateKey: pair.privateKey,
      fetch: async (input, init) => {
        const request = new Request(input, init)
        seen.push({ request, init, bytes: new Uint8Array(await request.arrayBuffer()) })
        return new Response('stub')
      },
    })
    return { stub, seen }
  }

  it('the body a fetch reads from the Request is the body bound, for every kind of body', async () => {
    const form = new FormData()
    form.append('a', '1')
    form.append('f', new Blob(['file']), 'f.txt')
    const bodies: BodyInit[] = ['text', new Uint8Array([1, 2, 3]), new Blob(['blob']), new URLSearchParams({ a: 'b' }), form, new Response('stream').body!]
    for (const body of bodies) {
      const { stub, seen } = stubbed()
      await stub.fetch('https://api.example.com/v1/x?y=1', { method: 'POST', body, duplex: 'half' } as RequestInit)
      const { request, bytes } = seen[0]!
      const claims = decodeJwt(request.headers.get('authorization')!.slice(4))
      expect(claims).toMatchObject({ htm: 'POST', htu: 'https://api.example.com/v1/x', htq: sha256('y=1'), htb: sha256(bytes) })
      if (body instanceof FormData) {
        const boundary = /boundary=(.+)$/.exec(request.headers.get('content-type')!)![1]!
        expect(new TextDecoder().decode(bytes)).toContain(`--${boundary}--`)
      }
    }
  })

  it('keeps signal, redirect, other headers and options a Request does not carry', async () => {
    const { stub, seen } = stubbed()
    const controller = new AbortController()
    const init = { method: 'POST', body: 'b', redirect: 'manual', signal: controller.signal, headers: { 'x-trace': 't' }, dispatcher: 'agent' } as RequestInit
    await stub.fetch('https://api.example.com/x', init)
    const { request, init: passed } = seen[0]!
    expect(request.redirect).toBe('manual')
    expect(request.headers.get('x-trace')).toBe('t')
    expect(request.headers.get('authorization')).toMatch(/^JWT ey/)
    expect((passed as { dispatcher?: string }).dispatcher).toBe('agent')
    controller.abort()
    expect(request.signal.aborted).toBe(true)
  })

  it('replaces an Authorization header the caller set', async () => {
    const { stub, seen } = stubbed()
    await stub.fetch(new Request('https://api.example.com/x', { headers: { authorization: 'Basic b2xk' } }))
    expect(seen[0]!.request.headers.get('authorization')).toMatch(/^JWT /)
  })

  it('a string or URL input reaches the fetch as given, with the bytes and headers signed', async () => {
    const calls: Array<{ input: unknown; init: RequestInit | undefined }> = []
    const stub = createSigner({
      username: 'billing',
      privateKey: pair.privateKey,
      fetch: async (input, init) => {
        calls.push({ input, init })
        return new Response('stub')
      },
    })
    const url = new URL('https://api.example.com/u')
    await stub.fetch('https://api.example.com/s?x=1', { method: 'post', body: 'b' })
    await stub.fetch(url)
    expect(calls[0]!.input).toBe('https://api.example.com/s?x=1')
    expect(calls[0]!.init).toMatchObject({ method: 'POST', body: new TextEncoder().encode('b') })
    expect(calls[1]!.input).toBe(url)
    expect(calls[1]!.init?.body).toBeNull()
  })

  it('a path, for a fetch that resolves it itself, binds method, query and body but not the URL', async () => {
    const verifier = (binding: 'if-present' | 'required') =>
      createVerifier({ keys: new MemoryKeyStore({ billing: [pair.publicKey] }), nonces: new MemoryNonceStore(), binding })
    const inputs: unknown[] = []
    const stub = createSigner({
      username: 'billing',
      privateKey: pair.privateKey,
      fetch: async (input, init) => {
        inputs.push(input)
        const request = new Request(new URL(String(input), 'http://10.0.0.7:8080'), init)
        const at = { method: request.method, url: request.url, hasBody: request.body !== null }
        const verdicts = await Promise.all([verifier('if-present'), verifier('required')].map((v) => v.verify(request.headers.get('authorization'), at)))
        return new Response(verdicts.map((v) => (v.ok ? 'ok' : v.error.code)).join(' '))
      },
    })
    const res = await stub.fetch('/per-route?a=1', { method: 'PUT', body: 'x' })
    expect(await res.text()).toBe('ok binding_required')
    expect(inputs).toEqual(['/per-route?a=1'])
    const claims: Record<string, unknown> = {}
    await createSigner({
      username: 'billing',
      privateKey: pair.privateKey,
      fetch: async (_input, init) => {
        Object.assign(claims, decodeJwt(new Headers(init?.headers).get('authorization')!.slice(4)))
        return new Response()
      },
    }).fetch('relative?a=1', { method: 'PUT', body: 'x' })
    expect(claims).toMatchObject({ htm: 'PUT', htq: sha256('a=1'), htb: sha256('x') })
    expect(claims).not.toHaveProperty('htu')
  })

  it('fetch’s own refusals stay fetch’s: a GET with a body is a TypeError', async () => {
    const { stub, seen } = stubbed()
    await expect(stub.fetch('https://api.example.com/x', { body: 'x' })).rejects.toBeInstanceOf(TypeError)
    expect(seen).toEqual([])
  })
})
