import { readFile } from 'node:fs/promises'
import type { Server } from 'node:http'
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
import { serve } from '@hono/node-server'
import { type Context, Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ajwt, type AjwtOptionalEnv } from './index.ts'

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

const app = new Hono<AjwtOptionalEnv>()
const whoami = (c: Context<AjwtOptionalEnv>) => c.json({ auth: c.get('auth') ?? null })
app.get('/open', (c) => c.json({ open: true }))
app.use('/api/*', ajwt({ keys, nonces, onRejected }))
app.get('/api/whoami', whoami)
app.use('/optional/*', ajwt({ keys, nonces, onRejected, optional: true }))
app.get('/optional/whoami', whoami)
app.use('/broken-keys/*', ajwt({ keys: brokenKeys, nonces, onRejected }))
app.get('/broken-keys/whoami', whoami)
app.use('/broken-nonces/*', ajwt({ keys, nonces: brokenNonces, onRejected }))
app.get('/broken-nonces/whoami', whoami)

let server: Server
let base = ''
beforeAll(async () => {
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      base = `http://127.0.0.1:${info.port}`
      resolve()
    }) as Server
  })
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})
beforeEach(() => {
  rejected.length = 0
})

type Request = (path: string, init?: RequestInit) => Promise<Response>
const transports: { name: string; request: Request }[] = [
  { name: 'in-process (app.request)', request: async (path, init) => app.request(path, init) },
  { name: 'real server on 127.0.0.1', request: (path, init) => fetch(`${base}${path}`, init) },
]

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const codes = () => rejected.map((error) => error.code)

describe.each(transports)('@ajwt/hono via $name', ({ request }) => {
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

  it('leaves routes outside the middleware open', async () => {
    expect((await get('/open')).status).toBe(200)
    expect((await get('/open', 'JWT not-even-a-token')).status).toBe(200)
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

describe('@ajwt/hono setup', () => {
  it('refuses missing options at setup with a clear error, not at the first request', () => {
    // @ts-expect-error options need { keys, nonces } or { verifier }
    expect(() => ajwt({ optional: true })).toThrow(/needs `keys`/)
  })

  it('imports nothing from node: (it must run on Bun, Deno and Workers)', async () => {
    const source = await readFile(new URL('./index.ts', import.meta.url), 'utf8')
    const imports = [...source.matchAll(/^(?:import|export) .* from '([^']+)'$/gm)].map((match) => match[1])
    expect(imports.length).toBeGreaterThan(0)
    for (const specifier of imports) expect(specifier).toMatch(/^(@ajwt\/core|hono(\/[a-z-]+)?)$/)
  })
})

describe('@ajwt/hono with an onError handler', () => {
  it('hands the AjwtError to onError as the cause of the HTTPException', async () => {
    const logged: string[] = []
    const custom = new Hono<AjwtOptionalEnv>()
    custom.onError((error, c) => {
      if (error instanceof HTTPException) {
        const cause = error.cause as AjwtError
        logged.push(cause.code)
        return error.getResponse()
      }
      return c.text('unexpected', 500)
    })
    custom.use('*', ajwt({ keys: new MemoryKeyStore({}), nonces: new MemoryNonceStore() }))
    custom.get('/', (c) => c.text('never'))
    const signer = createSigner({ username: 'billing', privateKey: client.privateKey })
    const res = await custom.request('/', { headers: { authorization: await signer.authorization() } })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe('JWT error="invalid_token"')
    expect(logged).toEqual(['unknown_user'])
  })
})
