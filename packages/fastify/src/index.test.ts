import {
  type AjwtError,
  type AjwtErrorCode,
  createSigner,
  generateKeyPair,
  importPublicKey,
  type KeyStore,
  MemoryKeyStore,
  MemoryNonceStore,
  type NonceStore,
} from '@ajwt/core'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ajwt } from './index.ts'

const client = await generateKeyPair('ed25519')
const stranger = await generateKeyPair('ed25519')
const kid = (await importPublicKey(client.publicKey)).kid
const CODES: AjwtErrorCode[] = [
  'missing_token', 'invalid_scheme', 'header_too_large', 'malformed', 'invalid_header', 'invalid_algorithm',
  'invalid_claims', 'invalid_time', 'token_expired', 'token_not_yet_valid', 'unknown_user', 'invalid_signature',
  'replay', 'store_unavailable', 'invalid_key',
]

const rejected: AjwtError[] = []
const keys = new MemoryKeyStore({ billing: [client.publicKey] })
const nonces = new MemoryNonceStore()
const onRejected = (error: AjwtError) => rejected.push(error)
const brokenKeys: KeyStore = { getKeys: () => Promise.reject(new Error('key database unreachable')) }
const brokenNonces: NonceStore = { claim: () => Promise.reject(new Error('nonce store unreachable')) }
const whoami = async (request: FastifyRequest) => ({ auth: request.auth ?? null })

// The root only decorates `app.ajwt` (addHook: false); each prefix is an encapsulated scope with
// its own registration, so /open stays open and /per-route is protected by the decorator alone.
const app = Fastify()
await app.register(ajwt, { keys, nonces, onRejected, addHook: false })
app.get('/open', async () => ({ open: true }))
app.get('/per-route', { onRequest: app.ajwt }, whoami)
const scope = (prefix: string, options: Parameters<typeof ajwt>[1]) =>
  app.register(
    async (instance: FastifyInstance) => {
      await instance.register(ajwt, options)
      instance.get('/whoami', whoami)
    },
    { prefix },
  )
await scope('/api', { keys, nonces, onRejected })
await scope('/optional', { keys, nonces, onRejected, optional: true })
await scope('/broken-keys', { keys: brokenKeys, nonces, onRejected })
await scope('/broken-nonces', { keys, nonces: brokenNonces, onRejected })

let base = ''
beforeAll(async () => {
  base = await app.listen({ port: 0, host: '127.0.0.1' })
})
afterAll(() => app.close())
beforeEach(() => {
  rejected.length = 0
})

// fastify.inject, seen through the same Response interface as a real fetch.
async function inject(path: string, init: RequestInit = {}): Promise<Response> {
  const res = await app.inject({ method: 'GET', url: path, headers: Object.fromEntries(new Headers(init.headers)) })
  const headers = new Headers()
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : String(value))
  }
  return new Response(res.body, { status: res.statusCode, headers })
}

type Request = (path: string, init?: RequestInit) => Promise<Response>
const transports: { name: string; request: Request }[] = [
  { name: 'in-process (fastify.inject)', request: inject },
  { name: 'real server on 127.0.0.1', request: (path, init) => fetch(`${base}${path}`, init) },
]

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const codes = () => rejected.map((error) => error.code)

describe.each(transports)('@ajwt/fastify via $name', ({ request }) => {
  const signerFor = (username: string, privateKey: string, now?: () => number) =>
    createSigner({ username, privateKey, now, fetch: (input, init) => request(String(input), init) })
  const billing = signerFor('billing', client.privateKey)
  const get = (path: string, authorization?: string) =>
    request(path, authorization === undefined ? {} : { headers: { authorization } })

  async function expectRejection(res: Response, status: 401 | 503, error: string | RegExp) {
    expect(res.status).toBe(status)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    const body = (await res.json()) as { error: string; message: string }
    if (typeof error === 'string') expect(body.error).toBe(error)
    else expect(body.error).toMatch(error)
    expect(res.headers.get('www-authenticate')).toBe(`JWT error="${body.error}"`)
    expect(typeof body.message).toBe('string')
    return body
  }

  it('accepts a signed request and shows auth to the route', async () => {
    const res = await billing.fetch('/api/whoami')
    expect(res.status).toBe(200)
    const { auth } = (await res.json()) as { auth: { username: string; kid: string; time: number; nonce: string } }
    expect(auth).toMatchObject({ username: 'billing', kid })
    expect(Math.abs(auth.time - Date.now() / 1000)).toBeLessThan(5)
    expect(auth.nonce.length).toBeGreaterThanOrEqual(16)
    expect(rejected).toEqual([])
  })

  it('leaves routes outside the registered scope open, and protects a route using app.ajwt', async () => {
    expect((await get('/open')).status).toBe(200)
    expect((await get('/open', 'JWT not-even-a-token')).status).toBe(200)
    await expectRejection(await get('/per-route'), 401, 'invalid_request')
    await expectRejection(await get('/per-route', 'JWT not-even-a-token'), 401, 'invalid_token')
    const res = await billing.fetch('/per-route')
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ auth: { username: 'billing', kid } })
    expect(codes()).toEqual(['missing_token', 'malformed'])
  })

  it('rejects a request without an Authorization header', async () => {
    await expectRejection(await get('/api/whoami'), 401, 'invalid_request')
    expect(codes()).toEqual(['missing_token'])
  })

  it('rejects another scheme in strict mode', async () => {
    await expectRejection(await get('/api/whoami', 'Bearer abc.def.ghi'), 401, 'invalid_request')
    await expectRejection(await get('/api/whoami', 'Basic dXNlcjpwYXNz'), 401, 'invalid_request')
    expect(codes()).toEqual(['invalid_scheme', 'invalid_scheme'])
  })

  it('optional mode: no header and other schemes pass through untouched, without auth', async () => {
    for (const authorization of [undefined, 'Bearer abc.def.ghi', 'Basic dXNlcjpwYXNz']) {
      const res = await get('/optional/whoami', authorization)
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ auth: null })
    }
    expect(rejected).toEqual([])
  })

  it('optional mode: a valid JWT sets auth, a present but invalid one is rejected', async () => {
    const res = await billing.fetch('/optional/whoami')
    expect(res.status).toBe(200)
    expect(((await res.json()) as { auth: { username: string } }).auth.username).toBe('billing')
    await expectRejection(await get('/optional/whoami', 'JWT garbage'), 401, 'invalid_token')
    await expectRejection(await get('/optional/whoami', 'jwt a.b.c'), 401, 'invalid_token')
  })

  it('rejects a replayed token', async () => {
    const authorization = await billing.authorization()
    expect((await get('/api/whoami', authorization)).status).toBe(200)
    await expectRejection(await get('/api/whoami', authorization), 401, 'invalid_token')
    expect(codes()).toEqual(['replay'])
  })

  it('rejects a tampered token', async () => {
    const [header, payload, signature] = (await billing.token()).split('.')
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>
    const forged = `JWT ${header}.${b64({ ...claims, role: 'admin' })}.${signature}`
    await expectRejection(await get('/api/whoami', forged), 401, 'invalid_token')
    expect(codes()).toEqual(['invalid_signature'])
  })

  it('answers an unknown user exactly like a bad signature, and leaks no reason', async () => {
    const unknown = await signerFor('mallory', stranger.privateKey).fetch('/api/whoami')
    const forged = await signerFor('billing', stranger.privateKey).fetch('/api/whoami')
    expect(codes()).toEqual(['unknown_user', 'invalid_signature'])
    const seen = async (res: Response) => ({
      status: res.status,
      headers: [...res.headers].filter(([name]) => name !== 'date'),
      body: await res.text(),
    })
    const [a, b] = [await seen(unknown), await seen(forged)]
    expect(a).toEqual(b)
    expect(a.status).toBe(401)
    const visible = JSON.stringify(a).toLowerCase()
    for (const code of CODES) expect(visible).not.toContain(code)
  })

  it('rejects a token signed with a clock an hour in the past', async () => {
    const late = signerFor('billing', client.privateKey, () => Date.now() / 1000 - 3600)
    await expectRejection(await late.fetch('/api/whoami'), 401, 'invalid_token')
    expect(codes()).toEqual(['invalid_time'])
  })

  it('answers malformed and oversized headers with 401, never 5xx', async () => {
    const malformed = [
      'JWT',
      'JWT ',
      'JWT abc',
      'JWT a.b',
      'JWT a.b.c.d',
      'JWT !!!.@@@.###',
      `JWT ${b64({ alg: 'none' })}.${b64({ username: 'billing' })}.`,
      `JWT ${b64({ alg: 'EdDSA', kid })}.${b64([1, 2, 3])}.AAAA`,
      `JWT ${b64({ alg: 'EdDSA', kid })}.${b64({ username: 42, time: 'now', nonce: {} })}.AAAA`,
      `JWT ${'a'.repeat(9000)}`,
      `JWT ${(await billing.token())}${'A'.repeat(9000)}`,
    ]
    for (const authorization of malformed) {
      // `JWT` alone (fetch trims `JWT `) has no credentials: a request error, not a token error.
      await expectRejection(await get('/api/whoami', authorization), 401, /^invalid_(request|token)$/)
    }
    expect(codes()).toContain('malformed')
    expect(codes()).toContain('invalid_algorithm')
    expect(codes()).toContain('invalid_claims')
    expect(codes().filter((code) => code === 'header_too_large')).toHaveLength(2)
  })

  it('fails closed with 503, WWW-Authenticate and Retry-After when a store throws', async () => {
    for (const path of ['/broken-keys/whoami', '/broken-nonces/whoami']) {
      const res = await billing.fetch(path)
      expect(res.headers.get('retry-after')).toBe('1')
      await expectRejection(res, 503, 'temporarily_unavailable')
    }
    expect(codes()).toEqual(['store_unavailable', 'store_unavailable'])
  })

  it('accepts one of 50 concurrent requests carrying the same token', async () => {
    const authorization = await billing.authorization()
    const responses = await Promise.all(Array.from({ length: 50 }, () => get('/api/whoami', authorization)))
    const statuses = responses.map((res) => res.status)
    expect(statuses.filter((status) => status === 200)).toHaveLength(1)
    expect(statuses.filter((status) => status === 401)).toHaveLength(49)
    await Promise.all(responses.map((res) => res.arrayBuffer()))
    expect(codes().filter((code) => code === 'replay')).toHaveLength(49)
  })
})

describe('@ajwt/fastify registered on the root instance', () => {
  it('refuses missing options when the app loads, with a clear error', async () => {
    const bad = Fastify()
    // @ts-expect-error options need { keys, nonces } or { verifier }
    await expect(bad.register(ajwt, { optional: true })).rejects.toThrow(/needs `keys`/)
    await bad.close()
  })

  it('protects every route of the app, and tolerates a second registration in a child scope', async () => {
    const root = Fastify()
    await root.register(ajwt, { keys: new MemoryKeyStore({ billing: [client.publicKey] }), nonces: new MemoryNonceStore() })
    root.get('/a', whoami)
    await root.register(async (child) => {
      await child.register(ajwt, { keys, nonces, optional: true, addHook: false })
      child.get('/b', whoami)
    })
    const signer = createSigner({ username: 'billing', privateKey: client.privateKey })
    for (const url of ['/a', '/b']) {
      expect((await root.inject({ url })).statusCode).toBe(401)
      const res = await root.inject({ url, headers: { authorization: await signer.authorization() } })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toMatchObject({ auth: { username: 'billing' } })
    }
    await root.close()
  })

  it('never lets Fastify\'s error handler render the reason, even with a custom one installed', async () => {
    const root = Fastify()
    const handled: unknown[] = []
    root.setErrorHandler((error, _request, reply) => {
      handled.push(error)
      return reply.code(500).send({ leaked: String(error) })
    })
    await root.register(ajwt, { keys: new MemoryKeyStore({}), nonces: new MemoryNonceStore() })
    root.get('/', whoami)
    const signer = createSigner({ username: 'billing', privateKey: client.privateKey })
    const res = await root.inject({ url: '/', headers: { authorization: await signer.authorization() } })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({ error: 'invalid_token', message: 'Invalid JWT credentials' })
    expect(res.body).not.toContain('unknown_user')
    expect(handled).toEqual([])
    await root.close()
  })
})
