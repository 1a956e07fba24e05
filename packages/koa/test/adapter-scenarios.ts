// The scenarios every ajwt adapter must pass, run twice: in-process through supertest, and against
// a real server on 127.0.0.1 driven by `signer.fetch`. Real keys, real signatures, no mocks.
import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type AjwtErrorCode,
  type AjwtOptions,
  createSigner,
  generateKeyPair,
  type GeneratedKeyPair,
  importPublicKey,
  type KeyStore,
  MemoryKeyStore,
  MemoryNonceStore,
  type NonceStore,
  type Signer,
} from '@ajwt/core'
import request from 'supertest'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'

/**
 * The framework under test. `app` builds an application whose only route, `GET /whoami`, answers
 * 200 `{ auth, authorization }`: the verified identity (null when absent) and the Authorization
 * header the route saw (null when absent). Rejections must go through the framework's own default
 * error handling, with no error handler of the test's.
 */
export interface AdapterUnderTest {
  app(options: AjwtOptions): RequestListener
}

export interface Reply {
  status: number
  headers: Record<string, string>
  body: string
}

export interface WhoAmI {
  auth: { username: string; kid: string; time: number; nonce: string; claims: Record<string, unknown> } | null
  authorization: string | null
}

interface Client {
  /** A request with exactly these headers. */
  get(headers?: Record<string, string>): Promise<Reply>
  /** A request signed by `signer` (through `signer.fetch` against the real server). */
  signed(signer: Signer): Promise<Reply>
  close(): Promise<void>
}

type Transport = (listener: RequestListener) => Promise<Client>

const PATH = '/whoami'

const supertestTransport: Transport = async (listener) => {
  const agent = request(createServer(listener))
  const get = async (headers: Record<string, string> = {}): Promise<Reply> => {
    const res = await agent.get(PATH).set(headers)
    return { status: res.status, headers: stringHeaders(res.headers as Record<string, unknown>), body: res.text }
  }
  return {
    get,
    signed: async (signer) => get({ authorization: await signer.authorization() }),
    close: async () => undefined,
  }
}

const serverTransport: Transport = async (listener) => {
  const server: Server = createServer(listener)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${PATH}`
  const read = async (res: Response): Promise<Reply> => ({
    status: res.status,
    headers: Object.fromEntries(res.headers),
    body: await res.text(),
  })
  return {
    get: async (headers = {}) => read(await fetch(url, { headers, signal: AbortSignal.timeout(10_000) })),
    signed: async (signer) => read(await signer.fetch(url, { signal: AbortSignal.timeout(10_000) })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function stringHeaders(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) out[name] = Array.isArray(value) ? value.join(', ') : String(value)
  return out
}

export function whoami(reply: Reply): WhoAmI {
  expect(reply.status, reply.body).toBe(200)
  return JSON.parse(reply.body) as WhoAmI
}

/** The parts of a rejection a client sees, to compare two rejections. */
function visible(reply: Reply) {
  return {
    status: reply.status,
    'www-authenticate': reply.headers['www-authenticate'],
    'retry-after': reply.headers['retry-after'],
    'content-type': reply.headers['content-type'],
    body: reply.body,
  }
}

export function expectRejected(reply: Reply, error: 'invalid_request' | 'invalid_token'): void {
  expect(reply.status, reply.body).toBe(401)
  expect(reply.headers['www-authenticate']).toBe(`JWT error="${error}"`)
}

export function tamper(token: string, extraClaims: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.')
  const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>
  return `${header}.${Buffer.from(JSON.stringify({ ...claims, ...extraClaims })).toString('base64url')}.${signature}`
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** Registers the shared adapter scenarios for both transports. */
export function describeAdapterScenarios(adapter: AdapterUnderTest): void {
  let ed25519: GeneratedKeyPair
  let rsa: GeneratedKeyPair
  let stranger: GeneratedKeyPair
  let ed25519Kid: string
  let rsaKid: string

  beforeAll(async () => {
    ;[ed25519, rsa, stranger] = await Promise.all([
      generateKeyPair('ed25519'),
      generateKeyPair('rsa', { modulusLength: 2048 }),
      generateKeyPair('ed25519'),
    ])
    ed25519Kid = (await importPublicKey(ed25519.publicKey)).kid
    rsaKid = (await importPublicKey(rsa.publicKey)).kid
  })

  for (const [name, transport] of [
    ['in-process (supertest)', supertestTransport],
    ['real server on 127.0.0.1 (signer.fetch)', serverTransport],
  ] as const) {
    describe(name, () => {
      let clients: Client[] = []
      let rejected: AjwtErrorCode[] = []

      afterEach(async () => {
        await Promise.all(clients.map((client) => client.close()))
        clients = []
        rejected = []
      })

      const start = async (overrides: Partial<{ keys: KeyStore; nonces: NonceStore; optional: boolean }> = {}) => {
        const client = await transport(
          adapter.app({
            keys: overrides.keys ?? new MemoryKeyStore({ billing: [ed25519.publicKey, rsa.publicKey] }),
            nonces: overrides.nonces ?? new MemoryNonceStore(),
            optional: overrides.optional ?? false,
            onRejected: (error) => rejected.push(error.code),
          }),
        )
        clients.push(client)
        return client
      }
      const billing = (options: { now?: () => number } = {}) =>
        createSigner({ username: 'billing', privateKey: ed25519.privateKey, ...options })

      it('accepts a signed request and shows auth to the route (Ed25519 and RSA)', async () => {
        const client = await start()
        const ed = whoami(await client.signed(billing()))
        expect(ed.auth).toMatchObject({ username: 'billing', kid: ed25519Kid, claims: { username: 'billing' } })
        expect(typeof ed.auth?.nonce).toBe('string')
        expect(Math.abs((ed.auth?.time ?? 0) - Date.now() / 1000)).toBeLessThan(5)

        const viaRsa = whoami(await client.signed(createSigner({ username: 'billing', privateKey: rsa.privateKey })))
        expect(viaRsa.auth).toMatchObject({ username: 'billing', kid: rsaKid })
        expect(rejected).toEqual([])
      })

      it('rejects a request without an Authorization header', async () => {
        const client = await start()
        expectRejected(await client.get(), 'invalid_request')
        expect(rejected).toEqual(['missing_token'])
      })

      it('rejects another scheme in required mode, and passes it through untouched in optional mode', async () => {
        const required = await start()
        expectRejected(await required.get({ authorization: 'Bearer abc.def.ghi' }), 'invalid_request')
        expect(rejected).toEqual(['invalid_scheme'])

        const optional = await start({ optional: true })
        expect(whoami(await optional.get({ authorization: 'Bearer abc.def.ghi' }))).toEqual({
          auth: null,
          authorization: 'Bearer abc.def.ghi',
        })
        expect(whoami(await optional.get({ authorization: 'Basic YWxpY2U6c2VjcmV0' })).auth).toBeNull()
      })

      it('optional mode: no header passes without auth, a valid JWT is verified, an invalid one is rejected', async () => {
        const client = await start({ optional: true })
        expect(whoami(await client.get())).toEqual({ auth: null, authorization: null })
        expect(whoami(await client.signed(billing())).auth?.username).toBe('billing')

        const token = await billing().token()
        expectRejected(await client.get({ authorization: `JWT ${tamper(token, { role: 'admin' })}` }), 'invalid_token')
        expectRejected(await client.get({ authorization: 'jwt not-a-token' }), 'invalid_token')
        expect(rejected).toEqual(['invalid_signature', 'malformed'])
      })

      it('accepts a token once: the replay is rejected', async () => {
        const client = await start()
        const authorization = await billing().authorization()
        expect(whoami(await client.get({ authorization })).auth?.username).toBe('billing')
        expectRejected(await client.get({ authorization }), 'invalid_token')
        expect(rejected).toEqual(['replay'])
      })

      it('rejects a tampered token', async () => {
        const client = await start()
        const token = await billing().token()
        expectRejected(await client.get({ authorization: `JWT ${tamper(token, { role: 'admin' })}` }), 'invalid_token')
        expect(rejected).toEqual(['invalid_signature'])
        // The untampered token was never consumed by the forgery.
        expect(whoami(await client.get({ authorization: `JWT ${token}` })).auth?.username).toBe('billing')
      })

      it('answers an unknown user exactly like a bad signature', async () => {
        const client = await start()
        const unknown = await client.signed(createSigner({ username: 'mallory', privateKey: stranger.privateKey }))
        const badSignature = await client.signed(createSigner({ username: 'billing', privateKey: stranger.privateKey }))
        expect(rejected).toEqual(['unknown_user', 'invalid_signature'])
        expectRejected(unknown, 'invalid_token')
        expect(visible(unknown)).toEqual(visible(badSignature))
        for (const word of ['mallory', 'unknown', 'user', 'signature', 'key']) {
          expect(unknown.body.toLowerCase()).not.toContain(word)
        }
      })

      it('rejects a token signed with a clock outside the tolerance', async () => {
        const client = await start()
        expectRejected(await client.signed(billing({ now: () => Date.now() / 1000 - 3600 })), 'invalid_token')
        expectRejected(await client.signed(billing({ now: () => Date.now() / 1000 + 3600 })), 'invalid_token')
        expect(rejected).toEqual(['invalid_time', 'invalid_time'])
      })

      it('answers malformed and oversized headers with 401, never 5xx', async () => {
        const client = await start()
        const now = Math.floor(Date.now() / 1000)
        const claims = { username: 'billing', time: now, nonce: 'n' }
        const headers = [
          'JWT',
          'JWT abc',
          'JWT a.b',
          'JWT a.b.c.d',
          'JWT !!!.???.***',
          'JWT ...',
          `JWT ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
          `JWT ${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.c2ln`,
          `JWT ${b64({ alg: 'EdDSA' })}.${b64({ ...claims, time: 'now' })}.c2ln`,
          `JWT ${b64({ alg: 'EdDSA' })}.${b64({ ...claims, username: ['billing'] })}.c2ln`,
          `JWT ${b64('x')}.${b64(null)}.c2ln`,
          `JWT ${'a'.repeat(9000)}`,
          `JWT ${await billing().token()}${'A'.repeat(9000)}`,
        ]
        for (const authorization of headers) {
          const reply = await client.get({ authorization })
          expect(reply.status, authorization.slice(0, 80)).toBe(401)
          expect(reply.headers['www-authenticate']).toMatch(/^JWT error="invalid_(request|token)"$/)
        }
        expect(rejected).toHaveLength(headers.length)
        expect(rejected.slice(-2)).toEqual(['header_too_large', 'header_too_large'])
      })

      it('fails closed with 503 when the key store throws', async () => {
        const keys: KeyStore = { getKeys: () => Promise.reject(new Error('database is down')) }
        const client = await start({ keys })
        const reply = await client.signed(billing())
        expect(reply.status).toBe(503)
        expect(reply.headers['www-authenticate']).toBe('JWT error="temporarily_unavailable"')
        expect(reply.headers['retry-after']).toBe('1')
        expect(reply.body).not.toContain('database')
        expect(rejected).toEqual(['store_unavailable'])
      })

      it('fails closed with 503 when the nonce store throws', async () => {
        const nonces: NonceStore = {
          claim: async () => {
            throw new Error('redis is down')
          },
        }
        const client = await start({ nonces })
        const reply = await client.signed(billing())
        expect(reply.status).toBe(503)
        expect(reply.headers['www-authenticate']).toBe('JWT error="temporarily_unavailable"')
        expect(reply.headers['retry-after']).toBe('1')
        expect(reply.body).not.toContain('redis')
        expect(rejected).toEqual(['store_unavailable'])
      })

      it('accepts exactly one of 50 concurrent requests carrying one token', async () => {
        const client = await start()
        const authorization = await billing().authorization()
        const replies = await Promise.all(Array.from({ length: 50 }, () => client.get({ authorization })))
        const statuses = replies.map((reply) => reply.status)
        expect(statuses.filter((status) => status === 200)).toHaveLength(1)
        expect(statuses.filter((status) => status === 401)).toHaveLength(49)
        expect(rejected).toEqual(Array.from({ length: 49 }, () => 'replay'))
      })
    })
  }
}
