import {
  AjwtError,
  type AjwtErrorCode,
  type AjwtOptions,
  type Auth,
  createSigner,
  createVerifier,
  generateKeyPair,
  type GeneratedKeyPair,
  importPublicKey,
  type KeyStore,
  MemoryKeyStore,
  MemoryNonceStore,
  type NonceStore,
} from '@ajwt/core'
import { base64url } from 'jose'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ListeningApp } from './describe-adapter-server.ts'
import { describeBinding } from './describe-binding.ts'

/**
 * An in-process client of one app: a `fetch` that takes a path (`/whoami`) and is only asked for
 * GET requests with headers.
 *
 * @example
 * ```ts
 * const request: AdapterFetch = (path, init) => app.request(path, init)
 * ```
 */
export type AdapterFetch = (path: string, init?: RequestInit) => Promise<Response>

/**
 * What every {@link AdapterHarness} has, whichever way it drives the app.
 *
 * @example
 * ```ts
 * const common: AdapterHarnessBase = { body: 'json', openPath: '/open' }
 * ```
 */
export interface AdapterHarnessBase {
  /**
   * What a rejection's body is: `'json'` when the adapter answers `error.body` itself
   * (`application/json`, `{ error, message }`), `'any'` when the framework's default error
   * handler renders it (Express HTML, Koa text). Either way it must not tell why.
   */
  body: 'json' | 'any'
  /** A path the app serves with 200 outside the adapter, to prove it guards only where it is mounted. */
  openPath?: string
  /**
   * The app also serves, behind the adapter, `/echo` and every path below it for every method:
   * the route reads the whole body as text with the framework's usual body reader (Express
   * `express.text()`, Koa `@koa/bodyparser`, Fastify's text parser, Hono `c.req.text()`, a Worker's
   * `request.text()`; `text/plain`, up to at least 4 MiB) and answers 200 JSON `{ auth, body }`
   * (`body` is `''` when there is none). With it the request-binding scenarios run: tampered
   * method, path, query, host and body, a body added to a bodiless request, a proxy prefix, a large
   * and a chunked body, the 413 limit, each binding policy, a bound replay, a second service.
   */
  echo?: boolean
  /** The in-process client takes ReadableStream bodies (workerd's `Request` does; supertest does not). */
  injectStreams?: boolean
  /**
   * Reads a request header from what the adapter hands to `getToken`, `onVerified` and
   * `onRejected` (Express `req`, Koa `ctx`, Fastify `request`, Hono `c`, the Workers `Request`):
   * `(req, name) => req.get(name)`. With it the `getToken` and hook scenarios run, and prove that
   * each hook got the very request it is about.
   */
  headerOf?: (context: unknown, name: string) => string | undefined
}

/**
 * Starts the app on 127.0.0.1 (port 0); the suite drives it with `createSigner().fetch`.
 *
 * @example
 * ```ts
 * const listen: AdapterListen = (options) => listenOnLoopback(createAdaptorServer({ fetch: app(options).fetch }))
 * ```
 */
export type AdapterListen = (options: AjwtOptions) => Promise<ListeningApp>

/**
 * Builds an in-process client of the app (supertest, `fastify.inject`, `app.request`, a Worker's
 * `fetch(request, env, ctx)`…).
 *
 * @example
 * ```ts
 * const inject: AdapterInject = (options) => app(options).request
 * ```
 */
export type AdapterInject = (options: AjwtOptions) => AdapterFetch | Promise<AdapterFetch>

/**
 * How {@link describeAdapter} drives one framework: through a real server (`listen`), an
 * in-process client (`inject`), or both — at least one of them; every scenario runs once per way
 * given. Each function gets the adapter options to pass unchanged to the adapter, and builds an
 * app that serves, behind the adapter, `GET /whoami` answering 200 JSON `{ auth, authorization }`:
 * the identity the adapter attached (null when absent) and the Authorization header the route saw
 * (null when absent). Rejections must go through the framework's own default error handling.
 *
 * @example
 * ```ts
 * const harness: AdapterHarness = {
 *   body: 'json',
 *   openPath: '/open',
 *   listen: async (options) => listenOnLoopback(createAdaptorServer({ fetch: app(options).fetch })),
 *   inject: (options) => app(options).request,
 * }
 * // Where no server can be started (workerd): in-process only, through the Worker's own fetch.
 * const worker: AdapterHarness = {
 *   body: 'json',
 *   inject: (options) => {
 *     const app = withAjwt(whoami, options)
 *     return (path, init) => app.fetch(new Request(`https://worker.test${path}`, init), env, createExecutionContext())
 *   },
 * }
 * ```
 */
export type AdapterHarness = AdapterHarnessBase &
  ({ listen: AdapterListen; inject?: AdapterInject } | { listen?: AdapterListen; inject: AdapterInject })

/**
 * Options of {@link describeAdapter}.
 *
 * @example
 * ```ts
 * describeAdapter('@ajwt/koa', harness, { timeout: 30_000 })
 * ```
 */
export interface AdapterSuiteOptions {
  /** Per-test timeout in ms. Default 15 000. */
  timeout?: number
}

interface Reply {
  status: number
  headers: Headers
  body: string
}

interface WhoAmI {
  auth: Auth | null
  authorization: string | null
}

interface Client {
  send: AdapterFetch
  streams: boolean
  sendRaw?: (head: string, body: string) => Promise<{ status: number }>
  /** `count` copies of one GET at once: pipelined on one connection to a real server, concurrent in-process. */
  burst(path: string, headers: Record<string, string>, count: number): Promise<{ status: number; body: string }[]>
  close(): Promise<void>
}

const PATH = '/whoami'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const REQUEST_TIMEOUT_MS = 10_000

// A Record, so that a new AjwtErrorCode that is not listed here fails the typecheck.
const ERROR_CODES: Record<AjwtErrorCode, true> = {
  missing_token: true,
  invalid_scheme: true,
  header_too_large: true,
  malformed: true,
  invalid_header: true,
  invalid_algorithm: true,
  invalid_claims: true,
  invalid_time: true,
  token_expired: true,
  token_not_yet_valid: true,
  unknown_user: true,
  invalid_signature: true,
  kid_required: true,
  replay: true,
  method_mismatch: true,
  url_mismatch: true,
  query_mismatch: true,
  body_mismatch: true,
  binding_required: true,
  body_too_large: true,
  store_unavailable: true,
  invalid_key: true,
  invalid_options: true,
}

const encodeJson = (value: unknown): string => base64url.encode(JSON.stringify(value))

function tamper(token: string, extraClaims: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.')
  const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload ?? ''))) as Record<string, unknown>
  return `${header}.${encodeJson({ ...claims, ...extraClaims })}.${signature}`
}

async function read(response: Response): Promise<Reply> {
  return { status: response.status, headers: response.headers, body: await response.text() }
}

function whoami(reply: Reply): WhoAmI {
  expect(reply.status, reply.body).toBe(200)
  return JSON.parse(reply.body) as WhoAmI
}

/** Everything a client can observe of a reply, except the Date header. */
function observable(reply: Reply) {
  return {
    status: reply.status,
    headers: [...reply.headers].filter(([name]) => name !== 'date'),
    body: reply.body,
  }
}

/**
 * The conformance suite every ajwt adapter must pass: signed requests are accepted with `auth`
 * visible to the route (Ed25519 and RSA); a missing header, another scheme, a replay, a tampered
 * token, a clock off either way and malformed or oversized headers (alg none, HS256…) are
 * answered 401 with `WWW-Authenticate`, never 5xx; an
 * unknown user is answered exactly like a bad signature while `onRejected` gets the precise code;
 * optional mode passes requests that are not ours through untouched; a throwing key or nonce
 * store fails closed with 503 and `Retry-After`, leaking nothing; one token sent 50 times at once
 * is accepted once; 300 copies of a token sent in bursts across the edge of its window, behind a
 * slow key store, are all refused after its one acceptance, and 300 copies of a fresh token at the
 * edge are accepted at most once; a ready `{ verifier }` works. Keys are generated per run: no mocks.
 * Bursts to a real server are HTTP/1.1-pipelined on one connection (a raw `node:net` socket).
 *
 * Every scenario runs against an in-process client (when the harness has `inject`) and against a
 * real server on 127.0.0.1 driven by `createSigner().fetch` (when it has `listen`); a harness with
 * neither is refused with an `AjwtError` `invalid_options`. The suite imports no Node built-in
 * and no framework, so it runs inside workerd too (in-process only there).
 *
 * @example
 * ```ts
 * // `createServer` is node:http's, `request` is supertest's.
 * import { describeAdapter, listenOnLoopback, supertestFetch } from '@ajwt/testing'
 * import express from 'express'
 * import { ajwt } from '@ajwt/express'
 *
 * const app = (options: AjwtOptions) =>
 *   express()
 *     .get('/open', (_req, res) => res.send('ok'))
 *     .use(ajwt(options))
 *     .get('/whoami', (req, res) => res.json({ auth: req.auth ?? null, authorization: req.headers.authorization ?? null }))
 *
 * describeAdapter('@ajwt/express', {
 *   body: 'any',
 *   openPath: '/open',
 *   listen: (options) => listenOnLoopback(createServer(app(options))),
 *   inject: (options) => supertestFetch(request(createServer(app(options)))),
 * })
 * ```
 */
export function describeAdapter(name: string, harness: AdapterHarness, options: AdapterSuiteOptions = {}): void {
  const timeout = options.timeout ?? 15_000

  const { inject, listen } = harness
  if (typeof inject !== 'function' && typeof listen !== 'function') {
    throw new AjwtError(
      'invalid_options',
      `describeAdapter(${JSON.stringify(name)}): the harness needs \`listen\` (a real server) or \`inject\` (an in-process client), or both`,
    )
  }

  const modes: [string, (options: AjwtOptions) => Promise<Client>][] = []
  if (inject) {
    modes.push([
      'in-process',
      async (adapterOptions) => {
        const send = await inject(adapterOptions)
        return {
          send,
          streams: harness.injectStreams === true,
          burst: (path, headers, count) =>
            Promise.all(Array.from({ length: count }, async () => read(await send(path, { headers })))),
          close: async () => undefined,
        }
      },
    ])
  }
  if (listen) {
    modes.push([
      'real server on 127.0.0.1 (createSigner().fetch)',
      async (adapterOptions) => {
        const app = await listen(adapterOptions)
        return {
          send: (path, init) => fetch(`${app.url}${path}`, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }),
          streams: true,
          sendRaw: async (head, body) => {
            const { sendRawRequest } = await import('./raw-http.ts')
            return sendRawRequest(app.url, head, body)
          },
          burst: async (path, headers, count) => {
            // Node only, and only here: in-process harnesses (workerd) never load it.
            const { sendPipelined } = await import('./raw-http.ts')
            return sendPipelined(app.url, path, headers, count)
          },
          close: () => app.close(),
        }
      },
    ])
  }

  describe(`Adapter conformance: ${name}`, () => {
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
    }, 60_000)

    describe.each(modes)('%s', (_mode, open) => {
      let clients: Client[] = []
      let rejected: AjwtErrorCode[] = []

      afterEach(async () => {
        await Promise.all(clients.map((client) => client.close()))
        clients = []
        rejected = []
      })

      const onRejected = (error: { code: AjwtErrorCode }) => {
        rejected.push(error.code)
      }
      const start = async (
        overrides: {
          keys?: KeyStore
          nonces?: NonceStore
          optional?: boolean
          readyVerifier?: boolean
          toleranceSeconds?: number
        } = {},
      ) => {
        const verifierOptions = {
          keys: overrides.keys ?? new MemoryKeyStore({ billing: [ed25519.publicKey, rsa.publicKey] }),
          nonces: overrides.nonces ?? new MemoryNonceStore(),
          onRejected,
          ...(overrides.toleranceSeconds === undefined ? {} : { toleranceSeconds: overrides.toleranceSeconds }),
        }
        const optional = overrides.optional ?? false
        const client = await open(
          overrides.readyVerifier ? { verifier: createVerifier(verifierOptions), optional } : { ...verifierOptions, optional },
        )
        clients.push(client)
        const get = async (authorization?: string, path = PATH) =>
          read(await client.send(path, authorization === undefined ? {} : { headers: { authorization } }))
        const signer = (signerOptions: { username?: string; privateKey?: string; now?: () => number } = {}) =>
          createSigner({
            username: signerOptions.username ?? 'billing',
            privateKey: signerOptions.privateKey ?? ed25519.privateKey,
            now: signerOptions.now,
            fetch: (input, init) => client.send(String(input), init),
          })
        const signed = async (signerOptions?: Parameters<typeof signer>[0]) => read(await signer(signerOptions).fetch(PATH))
        return { get, signer, signed, burst: client.burst }
      }

      /** A rejection: the status, the `WWW-Authenticate` error, and for JSON adapters the body. */
      const expectRejected = (reply: Reply, status: 401 | 503, error: string | RegExp) => {
        expect(reply.status, reply.body).toBe(status)
        const challenge = reply.headers.get('www-authenticate') ?? ''
        const code = /^JWT error="([a-z_]+)"$/.exec(challenge)?.[1]
        if (typeof error === 'string') expect(code, challenge).toBe(error)
        else expect(code, challenge).toMatch(error)
        if (status === 503) expect(reply.headers.get('retry-after')).toBe('1')
        if (harness.body === 'json') {
          expect(reply.headers.get('content-type')).toMatch(/^application\/json/)
          expect(JSON.parse(reply.body)).toEqual({ error: code, message: expect.any(String) })
        }
      }

      it('accepts a signed request and shows auth to the route (Ed25519 and RSA)', { timeout }, async () => {
        const app = await start()
        const viaEd = whoami(await app.signed())
        expect(viaEd.auth).toMatchObject({ username: 'billing', kid: ed25519Kid, claims: { username: 'billing' } })
        expect(viaEd.auth?.nonce.length).toBeGreaterThanOrEqual(16)
        expect(Math.abs((viaEd.auth?.time ?? 0) - Date.now() / 1000)).toBeLessThan(5)
        expect(viaEd.authorization).toMatch(/^JWT [\w-]+\.[\w-]+\.[\w-]+$/)

        const viaRsa = whoami(await app.signed({ privateKey: rsa.privateKey }))
        expect(viaRsa.auth).toMatchObject({ username: 'billing', kid: rsaKid })
        expect(rejected).toEqual([])
      })

      it('rejects a request without an Authorization header', { timeout }, async () => {
        const app = await start()
        expectRejected(await app.get(), 401, 'invalid_request')
        expect(rejected).toEqual(['missing_token'])
      })

      it('rejects another scheme in required mode', { timeout }, async () => {
        const app = await start()
        expectRejected(await app.get('Bearer abc.def.ghi'), 401, 'invalid_request')
        expectRejected(await app.get('Basic YWxpY2U6c2VjcmV0'), 401, 'invalid_request')
        expect(rejected).toEqual(['invalid_scheme', 'invalid_scheme'])
      })

      it('optional mode: no header and other schemes pass through untouched, without auth', { timeout }, async () => {
        const app = await start({ optional: true })
        for (const authorization of [undefined, 'Bearer abc.def.ghi', 'Basic YWxpY2U6c2VjcmV0']) {
          expect(whoami(await app.get(authorization))).toEqual({ auth: null, authorization: authorization ?? null })
        }
        expect(rejected).toEqual([])
      })

      it('optional mode: a valid JWT is verified, a present but invalid one is rejected', { timeout }, async () => {
        const app = await start({ optional: true })
        expect(whoami(await app.signed()).auth?.username).toBe('billing')

        const token = await app.signer().token()
        for (const authorization of [`JWT ${tamper(token, { role: 'admin' })}`, 'JWT garbage', 'jwt a.b.c', 'jwt not-a-token']) {
          expectRejected(await app.get(authorization), 401, 'invalid_token')
        }
        expect(rejected).toEqual(['invalid_signature', 'malformed', 'malformed', 'malformed'])
      })

      it('accepts a token once: the replay is rejected', { timeout }, async () => {
        const app = await start()
        const authorization = await app.signer().authorization()
        expect(whoami(await app.get(authorization)).auth?.username).toBe('billing')
        expectRejected(await app.get(authorization), 401, 'invalid_token')
        expect(rejected).toEqual(['replay'])
      })

      it('rejects a tampered token, which does not consume the genuine one', { timeout }, async () => {
        const app = await start()
        const token = await app.signer().token()
        expectRejected(await app.get(`JWT ${tamper(token, { role: 'admin' })}`), 401, 'invalid_token')
        expect(rejected).toEqual(['invalid_signature'])
        expect(whoami(await app.get(`JWT ${token}`)).auth?.username).toBe('billing')
      })

      it('answers an unknown user exactly like a bad signature, and leaks no reason', { timeout }, async () => {
        const app = await start()
        const unknown = await app.signed({ username: 'mallory', privateKey: stranger.privateKey })
        const badSignature = await app.signed({ privateKey: stranger.privateKey })
        expect(rejected).toEqual(['unknown_user', 'invalid_signature'])
        expectRejected(unknown, 401, 'invalid_token')
        expect(observable(unknown)).toEqual(observable(badSignature))
        for (const word of ['mallory', 'unknown', 'user', 'signature', 'key']) {
          expect(unknown.body.toLowerCase()).not.toContain(word)
        }
        const seen = JSON.stringify(observable(unknown)).toLowerCase()
        for (const code of Object.keys(ERROR_CODES)) expect(seen).not.toContain(code)
      })

      it('rejects a token signed with a clock an hour off, either way', { timeout }, async () => {
        const app = await start()
        expectRejected(await app.signed({ now: () => Date.now() / 1000 - 3600 }), 401, 'invalid_token')
        expectRejected(await app.signed({ now: () => Date.now() / 1000 + 3600 }), 401, 'invalid_token')
        expect(rejected).toEqual(['invalid_time', 'invalid_time'])
      })

      it('answers malformed and oversized headers with 401, never 5xx', { timeout }, async () => {
        const app = await start()
        const claims = { username: 'billing', time: Math.floor(Date.now() / 1000), nonce: 'n' }
        const headers = [
          'JWT',
          'JWT ',
          'JWT abc',
          'JWT a.b',
          'JWT a.b.c.d',
          'JWT !!!.???.***',
          'JWT !!!.@@@.###',
          'JWT ...',
          `JWT ${encodeJson({ alg: 'none', typ: 'JWT' })}.${encodeJson(claims)}.`,
          `JWT ${encodeJson({ alg: 'none' })}.${encodeJson({ username: 'billing' })}.`,
          `JWT ${encodeJson({ alg: 'HS256', typ: 'JWT' })}.${encodeJson(claims)}.c2ln`,
          `JWT ${encodeJson({ alg: 'EdDSA' })}.${encodeJson({ ...claims, time: 'now' })}.c2ln`,
          `JWT ${encodeJson({ alg: 'EdDSA' })}.${encodeJson({ ...claims, username: ['billing'] })}.c2ln`,
          `JWT ${encodeJson({ alg: 'EdDSA', kid: ed25519Kid })}.${encodeJson([1, 2, 3])}.AAAA`,
          `JWT ${encodeJson({ alg: 'EdDSA', kid: ed25519Kid })}.${encodeJson({ username: 42, time: 'now', nonce: {} })}.AAAA`,
          `JWT ${encodeJson('x')}.${encodeJson(null)}.c2ln`,
          `JWT ${'a'.repeat(9000)}`,
          `JWT ${await app.signer().token()}${'A'.repeat(9000)}`,
        ]
        for (const authorization of headers) {
          // `JWT` alone (clients trim `JWT `) carries no credentials: a request error, not a token error.
          expectRejected(await app.get(authorization), 401, /^invalid_(request|token)$/)
        }
        expect(rejected).toHaveLength(headers.length)
        expect(rejected).toContain('malformed')
        expect(rejected).toContain('invalid_algorithm')
        expect(rejected).toContain('invalid_claims')
        expect(rejected.filter((code) => code === 'header_too_large')).toHaveLength(2)
        expect(rejected.slice(-2)).toEqual(['header_too_large', 'header_too_large'])
      })

      const brokenStores: { store: string; secret: string; options: (fail: () => Promise<never>) => Parameters<typeof start>[0] }[] = [
        { store: 'key', secret: 'database', options: (fail) => ({ keys: { getKeys: fail } }) },
        { store: 'nonce', secret: 'redis', options: (fail) => ({ nonces: { claim: fail } }) },
      ]
      for (const { store, secret, options: broken } of brokenStores) {
        it(`fails closed with 503 when the ${store} store throws or rejects, leaking nothing`, { timeout }, async () => {
          const message = `${secret} unreachable`
          const failures = [
            () => Promise.reject(new Error(message)),
            () => {
              throw new Error(message)
            },
          ]
          for (const fail of failures) {
            const reply = await (await start(broken(fail))).signed()
            expectRejected(reply, 503, 'temporarily_unavailable')
            for (const word of [secret, 'unreachable']) expect(reply.body).not.toContain(word)
          }
          expect(rejected).toEqual(['store_unavailable', 'store_unavailable'])
        })
      }

      it('accepts exactly one of 50 concurrent requests carrying one token', { timeout }, async () => {
        const app = await start()
        const authorization = await app.signer().authorization()
        const replies = await Promise.all(Array.from({ length: 50 }, () => app.get(authorization)))
        const statuses = replies.map((reply) => reply.status)
        expect(statuses.filter((status) => status === 200)).toHaveLength(1)
        expect(statuses.filter((status) => status === 401)).toHaveLength(49)
        expect(rejected).toEqual(Array.from({ length: 49 }, () => 'replay'))
      })

      it('accepts a token once when 300 copies arrive in bursts across the edge of its window, behind a slow key store', { timeout: Math.max(timeout, 30_000) }, async () => {
        const tolerance = 2
        let lookups = 0
        const healthy = new MemoryKeyStore({ billing: [ed25519.publicKey] })
        const slowKeys: KeyStore = {
          getKeys: async (username) => {
            await sleep(lookups++ % 8)
            return healthy.getKeys(username)
          },
        }
        const app = await start({ keys: slowKeys, toleranceSeconds: tolerance })
        // Its window closes 1 to 2 s after it is made: first used well before that, then replayed
        // across the edge. A machine so loaded that the window closed first makes another.
        let time = 0
        let authorization = ''
        for (let attempt = 0; attempt < 5 && !authorization; attempt++) {
          time = Math.floor(Date.now() / 1000) - tolerance + 1
          const candidate = await app.signer({ now: () => time }).authorization()
          const first = await app.get(candidate)
          if (first.status === 200) authorization = candidate
        }
        expect(authorization, 'no token was accepted before its window closed').not.toBe('')
        rejected = rejected.filter((code) => code !== 'invalid_time')
        const edge = (time + tolerance + 1) * 1000
        const bursts: Promise<{ status: number; body: string }[]>[] = []
        for (const at of [edge - 150, edge - 60, edge - 15, edge + 5, edge + 40]) {
          await sleep(Math.max(0, at - Date.now()))
          bursts.push(app.burst(PATH, { authorization }, 60))
        }
        const replies = (await Promise.all(bursts)).flat()
        expect(replies).toHaveLength(300)
        expect(replies.map((reply) => reply.status).filter((status) => status !== 401)).toEqual([])
        expect(new Set(rejected)).toEqual(new Set(rejected.filter((code) => code === 'replay' || code === 'invalid_time')))
        expect(rejected).toHaveLength(300)
      })

      it('accepts a fresh token at most once when 300 copies arrive at once, pipelined, right at the edge of its window', { timeout: Math.max(timeout, 30_000) }, async () => {
        const tolerance = 2
        const app = await start({ toleranceSeconds: tolerance })
        const time = Math.floor(Date.now() / 1000) - tolerance + 1
        const authorization = await app.signer({ now: () => time }).authorization()
        const edge = (time + tolerance + 1) * 1000
        await sleep(Math.max(0, edge - 20 - Date.now()))
        const replies = await app.burst(PATH, { authorization }, 300)
        const statuses = replies.map((reply) => reply.status)
        expect(statuses.filter((status) => status !== 200 && status !== 401)).toEqual([])
        expect(statuses.filter((status) => status === 200).length).toBeLessThanOrEqual(1)
      })

      it('accepts a ready { verifier }', { timeout }, async () => {
        const app = await start({ readyVerifier: true })
        const authorization = await app.signer().authorization()
        expect(whoami(await app.get(authorization)).auth).toMatchObject({ username: 'billing', kid: ed25519Kid })
        expectRejected(await app.get(authorization), 401, 'invalid_token')
        expect(rejected).toEqual(['replay'])
      })

      const { headerOf } = harness
      if (headerOf) {
        it('getToken, onVerified and onRejected get the framework’s request; a throwing getToken is a 401', { timeout }, async () => {
          const seen: string[] = []
          const probe = (context: unknown) => headerOf(context, 'x-probe') ?? 'no probe'
          const client = await open({
            keys: new MemoryKeyStore({ billing: [ed25519.publicKey] }),
            nonces: new MemoryNonceStore(),
            getToken: (context) => {
              if (headerOf(context, 'x-fail') !== undefined) throw new Error('no token source')
              return headerOf(context, 'x-ajwt-token')
            },
            onVerified: (auth, context) => void seen.push(`verified ${auth.username} ${probe(context)}`),
            onRejected: (error, context) => void seen.push(`${error.code} ${probe(context)}`),
          })
          clients.push(client)
          const send = async (probeValue: string, headers: Record<string, string>) =>
            read(await client.send(PATH, { headers: { 'x-probe': probeValue, ...headers } }))
          const signer = createSigner({ username: 'billing', privateKey: ed25519.privateKey })
          const token = await signer.token()
          expect(whoami(await send('one', { 'x-ajwt-token': token })).auth?.username).toBe('billing')
          expectRejected(await send('two', { 'x-ajwt-token': token }), 401, 'invalid_token')
          // The token's place is the app's header now: a valid Authorization header is not read.
          expectRejected(await send('three', { authorization: await signer.authorization() }), 401, 'invalid_request')
          const failed = await send('four', { 'x-fail': '1', 'x-ajwt-token': await signer.token() })
          expectRejected(failed, 401, 'invalid_token')
          expect(seen).toEqual(['verified billing one', 'replay two', 'missing_token three', 'malformed four'])
        })
      }

      if (harness.echo) {
        describe('request binding', () => {
          describeBinding({ open, keyPair: () => ed25519, timeout })
        })
      }

      const { openPath } = harness
      if (openPath !== undefined) {
        it('guards only where it is mounted: the open path answers without a token or with a bad one', { timeout }, async () => {
          const app = await start()
          expect((await app.get(undefined, openPath)).status).toBe(200)
          expect((await app.get('JWT not-even-a-token', openPath)).status).toBe(200)
          expect(rejected).toEqual([])
        })
      }
    })
  })
}
