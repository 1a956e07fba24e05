import { createServer } from 'node:http'
import { AjwtError, type AjwtOptions, createSigner, generateKeyPair, type GeneratedKeyPair, isAjwtError, MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
import { describeAdapter, listenOnLoopback, supertestFetch } from '@ajwt/core/testing'
import { bodyParser } from '@koa/bodyparser'
import Koa from 'koa'
import request from 'supertest'
import { beforeAll, describe, expect, it } from 'vitest'
import { type AjwtOptionalState, ajwt, ajwtErrorHandler } from './index.ts'

// Rejections go through Koa's default error handling (a text body), with no handler of ours.
function whoamiApp(options: AjwtOptions) {
  const app = new Koa<AjwtOptionalState>()
  // Koa logs non-exposed errors (the 503s) to stderr by default; the response path is what is tested.
  app.silent = true
  app.use(async (ctx, next) => {
    if (ctx.path === '/open') ctx.body = 'ok'
    else await next()
  })
  app.use(ajwt(options))
  // @koa/bodyparser downstream of ajwt: it reads the checked body, or fails with the AjwtError.
  app.use(bodyParser({ enableTypes: ['text'], textLimit: '8mb' }))
  app.use((ctx) => {
    if (ctx.path === '/echo' || ctx.path.startsWith('/echo/')) {
      const body: unknown = ctx.request.body
      ctx.body = { auth: ctx.state.auth ?? null, body: typeof body === 'string' ? body : '' }
      return
    }
    if (ctx.method !== 'GET' || ctx.path !== '/whoami') return
    ctx.body = { auth: ctx.state.auth ?? null, authorization: ctx.headers.authorization ?? null }
  })
  return app.callback()
}

describeAdapter('@ajwt/koa with Koa default error handling', {
  body: 'any',
  openPath: '/open',
  echo: true,
  listen: (options) => listenOnLoopback(createServer(whoamiApp(options))),
  inject: (options) => supertestFetch(request(createServer(whoamiApp(options)))),
})

describe('@ajwt/koa', () => {
  let keyPair: GeneratedKeyPair
  let stranger: GeneratedKeyPair
  beforeAll(async () => {
    ;[keyPair, stranger] = await Promise.all([generateKeyPair('ed25519'), generateKeyPair('ed25519')])
  })
  const options = () => ({ keys: new MemoryKeyStore({ billing: [keyPair.publicKey] }), nonces: new MemoryNonceStore() })
  const billing = () => createSigner({ username: 'billing', privateKey: keyPair.privateKey })

  it('the same middleware applied twice authenticates a request once (no replay)', async () => {
    const auth = ajwt(options())
    const app = new Koa<AjwtOptionalState>().use(auth).use(auth).use((ctx) => {
      ctx.body = { username: ctx.state.auth?.username }
    })
    const authorization = await billing().authorization()
    const res = await request(app.callback()).get('/').set('authorization', authorization)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ username: 'billing' })
    expect((await request(app.callback()).get('/').set('authorization', authorization)).status).toBe(401)
  })

  it('answers with the generic text body and no detail, and never runs the next middleware', async () => {
    const app = new Koa()
    app.silent = true
    let reached = 0
    app.use(ajwt(options())).use((ctx) => {
      reached++
      ctx.body = 'secret'
    })
    const unknown = await request(app.callback())
      .get('/')
      .set('authorization', await createSigner({ username: 'mallory', privateKey: stranger.privateKey }).authorization())
    const forged = await request(app.callback())
      .get('/')
      .set('authorization', await createSigner({ username: 'billing', privateKey: stranger.privateKey }).authorization())
    for (const res of [unknown, forged]) {
      expect(res.status).toBe(401)
      expect(res.headers['www-authenticate']).toBe('JWT error="invalid_token"')
      expect(res.headers['content-type']).toMatch(/^text\/plain/)
      expect(res.text).toBe('Unauthorized')
    }
    expect(reached).toBe(0)
  })

  it("emits the AjwtError on the app's error event, with the precise reason for logs", async () => {
    const app = new Koa()
    const logged: string[] = []
    app.on('error', (error: unknown) => {
      if (isAjwtError(error)) logged.push(error.code)
    })
    app.use(ajwt(options())).use((ctx) => {
      ctx.body = 'ok'
    })
    const forged = await createSigner({ username: 'billing', privateKey: stranger.privateKey }).authorization()
    const res = await request(app.callback()).get('/').set('authorization', forged)
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe('JWT error="invalid_token"')
    expect(logged).toEqual(['invalid_signature'])
  })

  it('ajwtErrorHandler answers with the JSON body', async () => {
    const app = new Koa()
    app.use(ajwtErrorHandler())
    app.use(ajwt({ keys: { getKeys: () => Promise.reject(new Error('down')) }, nonces: new MemoryNonceStore() }))
    const res = await request(app.callback()).get('/').set('authorization', await billing().authorization())
    expect(res.status).toBe(503)
    expect(res.headers['retry-after']).toBe('1')
    expect(res.headers['www-authenticate']).toBe('JWT error="temporarily_unavailable"')
    expect(res.body).toEqual({ error: 'temporarily_unavailable', message: 'Authentication is temporarily unavailable' })
  })

  it('leaves an existing ctx.state.auth alone for a request that is not ours in optional mode', async () => {
    const app = new Koa<AjwtOptionalState & { other?: string }>()
    app.use(async (ctx, next) => {
      ctx.state.other = 'session'
      await next()
    })
    app.use(ajwt({ ...options(), optional: true })).use((ctx) => {
      ctx.body = { keys: Object.keys(ctx.state) }
    })
    const res = await request(app.callback()).get('/').set('authorization', 'Bearer x')
    expect(res.body).toEqual({ keys: ['other'] })
  })

  it('refuses to start without stores', () => {
    // @ts-expect-error keys and nonces are required
    expect(() => ajwt({})).toThrow(AjwtError)
  })
})
