import {
  type AjwtErrorCode,
  type AjwtOptions,
  type Auth,
  type BindingPolicy,
  createSigner,
  type GeneratedKeyPair,
  MemoryKeyStore,
  MemoryNonceStore,
} from '@ajwt/core'
import { afterEach, expect, it } from 'vitest'
import type { AdapterFetch } from './describe-adapter.ts'

/** How the binding scenarios reach one app: the suite's client of one mode. */
export interface BindingClient {
  send: AdapterFetch
  /** Can `send` take a ReadableStream body (a real server, workerd's Request)? */
  streams: boolean
  /** A raw HTTP/1.1 request (real servers only): for what fetch refuses to send, such as a GET with a body. */
  sendRaw?: (head: string, body: string) => Promise<{ status: number }>
  close(): Promise<void>
}

export interface BindingSuite {
  open(options: AjwtOptions): Promise<BindingClient>
  keyPair(): GeneratedKeyPair
  timeout: number
}

interface Echo {
  auth: Auth | null
  body: string
}

interface Sent {
  status: number
  headers: Headers
  text: string
}

/** The public origin every bound app is configured with, as it would be behind its load balancer. */
const ORIGIN = 'https://api.example.test'
const OTHER_ORIGIN = 'https://reports.example.test'

const encoder = new TextEncoder()

function streamOf(data: Uint8Array, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let offset = 0
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= data.length) return controller.close()
      controller.enqueue(data.slice(offset, offset + chunk))
      offset += chunk
    },
  })
}

/** A seeded generator, so that a failing mutation is the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0
    return state / 2 ** 32
  }
}

/**
 * describeAdapter's request-binding scenarios (DESIGN §6), for a harness whose app serves the echo
 * route. Registered inside one mode's `describe`.
 */
export function describeBinding(suite: BindingSuite): void {
  const { timeout } = suite
  let clients: BindingClient[] = []
  let rejected: AjwtErrorCode[] = []
  afterEach(async () => {
    await Promise.all(clients.map((client) => client.close()))
    clients = []
    rejected = []
  })

  const start = async (
    overrides: { binding?: BindingPolicy; origins?: string[]; pathPrefix?: string; maxBoundBodyBytes?: number } = {},
  ) => {
    const { publicKey, privateKey } = suite.keyPair()
    const client = await suite.open({
      keys: new MemoryKeyStore({ billing: [publicKey] }),
      nonces: new MemoryNonceStore(),
      onRejected: (error) => rejected.push(error.code),
      origins: [ORIGIN],
      ...overrides,
    })
    clients.push(client)
    const signer = createSigner({ username: 'billing', privateKey })

    /**
     * Sends `method path` with `body`, carrying a token bound to `signed` (by default the same
     * request at ORIGIN), or an unbound token with `signed: 'unbound'`.
     */
    const send = async (
      request: { method?: string; path?: string; body?: string | Uint8Array | ReadableStream<Uint8Array> },
      signed: { method?: string; url?: string; body?: string | Uint8Array | null } | 'unbound' = {},
    ): Promise<Sent> => {
      const method = request.method ?? 'POST'
      const path = request.path ?? '/echo'
      const body = request.body
      const authorization =
        signed === 'unbound'
          ? await signer.authorization()
          : await signer.authorization({
              method: signed.method ?? method,
              url: signed.url ?? ORIGIN + path,
              body: 'body' in signed ? (signed.body ?? undefined) : body instanceof ReadableStream ? undefined : body,
            })
      const headers: Record<string, string> = { authorization }
      if (body !== undefined) headers['content-type'] = 'text/plain; charset=utf-8'
      const init: RequestInit & { duplex?: 'half' } = { method, headers }
      if (body !== undefined) init.body = body as BodyInit
      if (body instanceof ReadableStream) init.duplex = 'half'
      const response = await client.send(path, init)
      return { status: response.status, headers: response.headers, text: await response.text() }
    }
    return { client, signer, send }
  }

  const echo = (sent: Sent): Echo => {
    expect(sent.status, sent.text).toBe(200)
    return JSON.parse(sent.text) as Echo
  }
  /** Refused with `status`, the route never answered, and onRejected got the precise `code`. */
  const refused = (sent: Sent, code: AjwtErrorCode, status: 401 | 413 = 401) => {
    expect(sent.status, `${code}: ${sent.text}`).toBe(status)
    if (status === 401) expect(sent.headers.get('www-authenticate')).toBe('JWT error="invalid_token"')
    expect(sent.text).not.toMatch(/"body":/)
    expect(rejected.at(-1)).toBe(code)
  }

  it('accepts a bound request: the route reads the exact body, and a bound GET with a query', { timeout }, async () => {
    const app = await start()
    const body = JSON.stringify({ invoice: 42, amount: '12.50', note: 'café ☕' })
    const got = echo(await app.send({ path: '/echo/invoices', body }))
    expect(got.body).toBe(body)
    expect(got.auth).toMatchObject({ username: 'billing' })
    expect(echo(await app.send({ method: 'GET', path: '/echo/invoices?page=2&sort=-date' })).body).toBe('')
    expect(echo(await app.send({ method: 'DELETE', path: '/echo/invoices/42' })).body).toBe('')
    expect(rejected).toEqual([])
  })

  it('refuses a tampered method, path, query or host, each with its own code', { timeout }, async () => {
    const app = await start()
    refused(await app.send({ method: 'PUT', body: 'x' }, { method: 'POST' }), 'method_mismatch')
    refused(await app.send({ path: '/echo/all', body: 'x' }, { url: `${ORIGIN}/echo/mine` }), 'url_mismatch')
    refused(await app.send({ method: 'GET', path: '/echo?limit=1000' }, { url: `${ORIGIN}/echo?limit=10` }), 'query_mismatch')
    refused(await app.send({ method: 'GET', path: '/echo?admin=1' }, { url: `${ORIGIN}/echo` }), 'query_mismatch')
    refused(await app.send({ method: 'GET', path: '/echo' }, { url: `${ORIGIN}/echo?page=2` }), 'query_mismatch')
    refused(await app.send({ body: 'x' }, { url: 'https://evil.example.test/echo' }), 'url_mismatch')
    refused(await app.send({ body: 'x' }, { url: 'http://api.example.test/echo' }), 'url_mismatch')
  })

  it('refuses a body one byte off, and the route never gets it', { timeout }, async () => {
    const app = await start()
    const body = JSON.stringify({ pay: 100, to: 'acme' })
    refused(await app.send({ body: body.replace('100', '900') }, { body }), 'body_mismatch')
    refused(await app.send({ body: `${body} ` }, { body }), 'body_mismatch')
    refused(await app.send({ body: body.slice(0, -1) }, { body }), 'body_mismatch')
    expect(echo(await app.send({ body })).body).toBe(body)
  })

  it('refuses a body added to a request bound without one, and a bound body left out', { timeout }, async () => {
    const app = await start()
    refused(await app.send({ body: 'sneaky' }, { body: null }), 'body_mismatch')
    refused(await app.send({ method: 'POST' }, { body: 'expected' }), 'body_mismatch')
    const { sendRaw } = app.client
    if (sendRaw) {
      // fetch cannot send a GET with a body; an attacker's socket can.
      const authorization = await app.signer.authorization({ method: 'GET', url: `${ORIGIN}/echo` })
      const reply = await sendRaw(`GET /echo HTTP/1.1\r\nauthorization: ${authorization}\r\ncontent-type: text/plain`, 'sneaky')
      expect(reply.status).toBe(401)
      expect(rejected.at(-1)).toBe('body_mismatch')
    }
  })

  it('behind a proxy that strips a path prefix: the token names the public path', { timeout }, async () => {
    const app = await start({ pathPrefix: '/billing-api' })
    expect(echo(await app.send({ path: '/echo/x', body: 'b' }, { url: `${ORIGIN}/billing-api/echo/x` })).body).toBe('b')
    refused(await app.send({ path: '/echo/x', body: 'b' }), 'url_mismatch')
    refused(await app.send({ path: '/echo/y', body: 'b' }, { url: `${ORIGIN}/billing-api/echo/x` }), 'url_mismatch')
  })

  it('checks a large body (2 MiB) as it streams, chunked when the client can stream it', { timeout: Math.max(timeout, 30_000) }, async () => {
    const app = await start()
    const big = new Uint8Array(2 * 1024 * 1024).map((_, i) => 97 + ((i * 7) % 26))
    const text = new TextDecoder().decode(big)
    const flipped = big.slice()
    flipped[flipped.length - 1] = 65
    if (app.client.streams) {
      expect(echo(await app.send({ body: streamOf(big) }, { body: big })).body.length).toBe(big.length)
      refused(await app.send({ body: streamOf(flipped) }, { body: big }), 'body_mismatch')
      const small = encoder.encode('{"chunked":true}')
      expect(echo(await app.send({ body: streamOf(small, 3) }, { body: small })).body).toBe('{"chunked":true}')
    } else {
      expect(echo(await app.send({ body: text })).body).toBe(text)
      refused(await app.send({ body: new TextDecoder().decode(flipped) }, { body: big }), 'body_mismatch')
    }
  })

  it('answers 413 for a bound body over maxBoundBodyBytes', { timeout }, async () => {
    const app = await start({ maxBoundBodyBytes: 64 * 1024 })
    const body = 'x'.repeat(64 * 1024 + 1)
    refused(await app.send({ body }), 'body_too_large', 413)
    const fits = 'x'.repeat(64 * 1024)
    expect(echo(await app.send({ body: fits })).body).toBe(fits)
  })

  it('treats an unbound token by policy: off and if-present accept it, required refuses it', { timeout }, async () => {
    for (const binding of ['off', 'if-present'] as const) {
      const app = await start({ binding })
      expect(echo(await app.send({ body: 'unbound' }, 'unbound')).body).toBe('unbound')
    }
    const off = await start({ binding: 'off' })
    // Off ignores the claims: a token bound elsewhere passes.
    expect(echo(await off.send({ path: '/echo/a', body: 'b' }, { url: `${ORIGIN}/echo/z` })).body).toBe('b')
    const required = await start({ binding: 'required' })
    refused(await required.send({ body: 'unbound' }, 'unbound'), 'binding_required')
    refused(await required.send({ method: 'GET' }, 'unbound'), 'binding_required')
    expect(echo(await required.send({ body: 'bound' })).body).toBe('bound')
  })

  it('refuses a bound token replayed with its own request', { timeout }, async () => {
    const app = await start()
    const authorization = await app.signer.authorization({ method: 'POST', url: `${ORIGIN}/echo`, body: 'once' })
    const init = () => ({ method: 'POST', body: 'once', headers: { authorization, 'content-type': 'text/plain' } })
    const first = await app.client.send('/echo', init())
    expect(first.status).toBe(200)
    const second = await app.client.send('/echo', init())
    expect(second.status).toBe(401)
    expect(rejected).toEqual(['replay'])
  })

  it('refuses at a second service a token made for the first (its origin), with its own nonce store', { timeout }, async () => {
    const billing = await start({ origins: [ORIGIN] })
    const reports = await start({ origins: [OTHER_ORIGIN] })
    const authorization = await billing.signer.authorization({ method: 'POST', url: `${ORIGIN}/echo`, body: 'transfer' })
    const init = () => ({ method: 'POST', body: 'transfer', headers: { authorization, 'content-type': 'text/plain' } })
    const elsewhere = await reports.client.send('/echo', init())
    expect(elsewhere.status).toBe(401)
    expect(rejected).toEqual(['url_mismatch'])
    expect((await billing.client.send('/echo', init())).status).toBe(200)
    expect((await reports.client.send('/echo', init())).status).toBe(401)
  })

  it('never accepts a random mutation of a bound request (method, path, query, host, body)', { timeout: Math.max(timeout, 30_000) }, async () => {
    const app = await start()
    const next = random(0x5eed)
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T
    const mutations = ['method', 'path', 'query', 'host', 'body-byte', 'body-extra', 'body-drop'] as const
    for (let i = 0; i < 14; i++) {
      const body = `{"n":${i},"pad":"${'p'.repeat(Math.floor(next() * 200))}"}`
      const original = { method: pick(['POST', 'PUT', 'PATCH']), path: `/echo/${pick(['a', 'b/c', 'd%20e'])}`, query: `q=${i}`, body }
      const sent = { ...original, origin: ORIGIN }
      const mutation = mutations[i % mutations.length] as (typeof mutations)[number]
      if (mutation === 'method') sent.method = original.method === 'PUT' ? 'PATCH' : 'PUT'
      if (mutation === 'path') sent.path = `${original.path}x`
      if (mutation === 'query') sent.query = `q=${i + 1}`
      if (mutation === 'host') sent.origin = pick([OTHER_ORIGIN, 'http://api.example.test', 'https://api.example.test:8443'])
      const bytes = encoder.encode(body)
      if (mutation === 'body-byte') {
        const at = Math.floor(next() * bytes.length)
        bytes[at] = bytes[at] === 0x61 ? 0x62 : 0x61
        sent.body = new TextDecoder().decode(bytes)
      }
      if (mutation === 'body-extra') sent.body = `${body}\n`
      if (mutation === 'body-drop') sent.body = body.slice(1)
      const reply = await app.send(
        { method: sent.method, path: `${sent.path}?${sent.query}`, body: sent.body },
        { method: original.method, url: `${sent.origin}${original.path}?${original.query}`, body: original.body },
      )
      expect(reply.status, `${mutation}: ${JSON.stringify(sent)}`).toBe(401)
    }
    expect(rejected).toHaveLength(14)
    expect(new Set(rejected)).toEqual(new Set(['method_mismatch', 'url_mismatch', 'query_mismatch', 'body_mismatch']))
  })
}
