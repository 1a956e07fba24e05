import { type AjwtError, type AjwtOptions, createSigner, generateKeyPair, importPublicKey, isAjwtError, MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
import { type AdapterFetch, describeAdapter, webResponse } from '@ajwt/testing'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import { describe, expect, it } from 'vitest'
import { ajwt } from './index.ts'

const client = await generateKeyPair('ed25519')
const kid = (await importPublicKey(client.publicKey)).kid
const whoami = async (request: FastifyRequest) => ({ auth: request.auth ?? null, authorization: request.headers.authorization ?? null })

// The plugin is registered in an encapsulated scope, so /open on the root stays open.
function whoamiApp(options: AjwtOptions): FastifyInstance {
  const app = Fastify()
  app.get('/open', async () => ({ open: true }))
  app.register(async (scope) => {
    await scope.register(ajwt, options)
    scope.get('/whoami', whoami)
    // Fastify's own text/plain parser reads the checked body, or fails with the AjwtError.
    const echo = async (request: FastifyRequest) => ({ auth: request.auth ?? null, body: typeof request.body === 'string' ? request.body : '' })
    scope.all('/echo', { bodyLimit: 8 * 1024 * 1024 }, echo)
    scope.all('/echo/*', { bodyLimit: 8 * 1024 * 1024 }, echo)
  })
  return app
}

// fastify.inject, seen through the same Response interface as a real fetch.
const injector =
  (app: FastifyInstance): AdapterFetch =>
  async (path, init) => {
    const body = init?.body
    if (body !== undefined && body !== null && typeof body !== 'string') throw new TypeError('this injector sends string bodies only')
    const res = await app.inject({
      method: (init?.method ?? 'GET') as 'GET',
      url: path,
      headers: Object.fromEntries(new Headers(init?.headers)),
      ...(typeof body === 'string' ? { payload: body } : {}),
    })
    return webResponse(res.statusCode, res.headers, res.body)
  }

async function listen(app: FastifyInstance) {
  return { url: await app.listen({ port: 0, host: '127.0.0.1' }), close: () => app.close() }
}

describeAdapter('@ajwt/fastify', {
  body: 'json',
  openPath: '/open',
  echo: true,
  headerOf: (request, name) => {
    const value = (request as FastifyRequest).headers[name]
    return typeof value === 'string' ? value : undefined
  },
  listen: (options) => listen(whoamiApp(options)),
  inject: (options) => injector(whoamiApp(options)),
})

describe('@ajwt/fastify on chosen routes (addHook: false, onRequest: app.ajwt)', () => {
  it('protects only the route using app.ajwt, in-process and over a real server', async () => {
    const rejected: AjwtError[] = []
    const app = Fastify()
    await app.register(ajwt, {
      keys: new MemoryKeyStore({ billing: [client.publicKey] }),
      nonces: new MemoryNonceStore(),
      onRejected: (error) => rejected.push(error),
      addHook: false,
    })
    app.get('/open', async () => ({ open: true }))
    app.get('/per-route', { onRequest: app.ajwt }, whoami)
    const server = await listen(app)
    try {
      const transports: AdapterFetch[] = [injector(app), (path, init) => fetch(`${server.url}${path}`, init)]
      for (const request of transports) {
        rejected.length = 0
        const get = (path: string, authorization?: string) =>
          request(path, authorization === undefined ? {} : { headers: { authorization } })
        expect((await get('/open')).status).toBe(200)
        expect((await get('/open', 'JWT not-even-a-token')).status).toBe(200)
        for (const [authorization, error] of [[undefined, 'invalid_request'], ['JWT not-even-a-token', 'invalid_token']] as const) {
          const res = await get('/per-route', authorization)
          expect(res.status).toBe(401)
          expect(res.headers.get('content-type')).toMatch(/^application\/json/)
          expect(res.headers.get('www-authenticate')).toBe(`JWT error="${error}"`)
          expect(await res.json()).toEqual({ error, message: expect.any(String) })
        }
        const signer = createSigner({ username: 'billing', privateKey: client.privateKey, fetch: (input, init) => request(String(input), init) })
        const res = await signer.fetch('/per-route')
        expect(res.status).toBe(200)
        expect(await res.json()).toMatchObject({ auth: { username: 'billing', kid } })
        expect(rejected.map((error) => error.code)).toEqual(['missing_token', 'malformed'])
      }
    } finally {
      await server.close()
    }
  })
})

describe('@ajwt/fastify hook and app.ajwt on one route', () => {
  it('authenticates the request once (no replay)', async () => {
    const app = Fastify()
    await app.register(ajwt, { keys: new MemoryKeyStore({ billing: [client.publicKey] }), nonces: new MemoryNonceStore() })
    app.get('/twice', { onRequest: app.ajwt }, whoami)
    const authorization = await createSigner({ username: 'billing', privateKey: client.privateKey }).authorization()
    const first = await app.inject({ url: '/twice', headers: { authorization } })
    expect(first.statusCode).toBe(200)
    expect(first.json()).toMatchObject({ auth: { username: 'billing' } })
    expect((await app.inject({ url: '/twice', headers: { authorization } })).statusCode).toBe(401)
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
    const keys = new MemoryKeyStore({ billing: [client.publicKey] })
    const nonces = new MemoryNonceStore()
    await root.register(ajwt, { keys, nonces })
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

describe('@ajwt/fastify: the request in getToken and the hooks, and rejections through setErrorHandler', () => {
  it('getToken, onVerified and onRejected receive the Fastify request (its log, its id)', async () => {
    const lines: string[] = []
    const stream = { write: (line: string) => void lines.push(line) }
    const app = Fastify({ logger: { level: 'info', stream } })
    const seen: string[] = []
    await app.register(ajwt, {
      keys: new MemoryKeyStore({ billing: [client.publicKey] }),
      nonces: new MemoryNonceStore(),
      getToken: (request) => {
        const token = request.headers['x-ajwt-token']
        return typeof token === 'string' ? token : undefined
      },
      onVerified: (auth, request) => seen.push(`verified ${auth.username} ${request.id}`),
      onRejected: (error, request) => request.log.warn({ code: error.code }, 'ajwt rejected a request'),
    })
    app.get('/whoami', whoami)
    const token = await createSigner({ username: 'billing', privateKey: client.privateKey }).token()
    const ok = await app.inject({ url: '/whoami', headers: { 'x-ajwt-token': token } })
    expect(ok.statusCode).toBe(200)
    expect(seen).toEqual(['verified billing req-1'])
    // The Authorization header is not the token's place any more.
    const other = await createSigner({ username: 'billing', privateKey: client.privateKey }).authorization()
    expect((await app.inject({ url: '/whoami', headers: { authorization: other } })).statusCode).toBe(401)
    expect((await app.inject({ url: '/whoami', headers: { 'x-ajwt-token': token } })).statusCode).toBe(401)
    const warnings = lines.map((line) => JSON.parse(line) as { msg?: string; code?: string; reqId?: string }).filter((line) => line.msg === 'ajwt rejected a request')
    expect(warnings.map(({ code, reqId }) => [code, reqId])).toEqual([
      ['missing_token', 'req-2'],
      ['replay', 'req-3'],
    ])
    await app.close()
  })

  it('useErrorHandler: rejections go to the app’s setErrorHandler with status and headers', async () => {
    const app = Fastify()
    const handled: string[] = []
    app.setErrorHandler((error, _request, reply) => {
      if (isAjwtError(error)) {
        handled.push(error.code)
        return reply.code(error.statusCode).headers(error.headers).send({ problem: 'unauthenticated', status: error.statusCode })
      }
      return reply.send(error)
    })
    await app.register(ajwt, { keys: new MemoryKeyStore({ billing: [client.publicKey] }), nonces: new MemoryNonceStore(), useErrorHandler: true })
    app.get('/whoami', whoami)
    const missing = await app.inject({ url: '/whoami' })
    expect(missing.statusCode).toBe(401)
    expect(missing.headers['www-authenticate']).toBe('JWT error="invalid_request"')
    expect(missing.json()).toEqual({ problem: 'unauthenticated', status: 401 })
    const authorization = await createSigner({ username: 'billing', privateKey: client.privateKey }).authorization()
    expect((await app.inject({ url: '/whoami', headers: { authorization } })).statusCode).toBe(200)
    expect((await app.inject({ url: '/whoami', headers: { authorization } })).json()).toEqual({ problem: 'unauthenticated', status: 401 })
    expect(handled).toEqual(['missing_token', 'replay'])
    await app.close()
  })

  it('useErrorHandler without a handler of the app’s own: Fastify’s default answers with the status and WWW-Authenticate', async () => {
    const app = Fastify()
    await app.register(ajwt, { keys: new MemoryKeyStore({}), nonces: new MemoryNonceStore(), useErrorHandler: true })
    app.get('/whoami', whoami)
    const res = await app.inject({ url: '/whoami', headers: { authorization: 'JWT not-a-token' } })
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toBe('JWT error="invalid_token"')
    expect(res.json()).toMatchObject({ statusCode: 401, code: 'malformed' })
    await app.close()
  })
})
