// The @ajwt/koa suite, run on each supported Koa major: src/index.test.ts (Koa 3) and
// src/koa2.test.ts (Koa 2) hand it their `Koa`.
import { AjwtError, type AjwtOptions, isAjwtError, MemoryNonceStore } from '@ajwt/core'
import { adapterKeys, describeNodeAdapter } from '@ajwt/test-utils/node-adapter'
import { bodyParser } from '@koa/bodyparser'
import type Koa from 'koa'
import type { Context } from 'koa'
import request from 'supertest'
import { describe, expect, it } from 'vitest'
import { type AjwtOptionalState, ajwt, ajwtErrorHandler } from '../src/index.ts'

/** The `koa` module's default export (the Koa class), typed as Koa 3's (the calls used here are the same in 2). */
export type KoaModule = typeof Koa

// Rejections go through Koa's default error handling (a text body), with no handler of ours.
function whoamiApp(Koa: KoaModule, options: AjwtOptions) {
  const app = new Koa<AjwtOptionalState>()
  // Koa logs non-exposed errors (the 503s) to stderr by default; the response path is what is tested.
  app.silent = true
  app.use(async (ctx, next) => {
    if (ctx.path === '/open') ctx.body = 'ok'
    else await next()
  })
  app.use(ajwt(options))
  // @koa/bodyparser (Koa 2 and 3) downstream of ajwt: it reads the checked body, or fails with the AjwtError.
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

/**
 * The adapter conformance suite and @ajwt/koa's own tests, on the Koa `Koa` is.
 *
 * @example
 * describeKoa('Koa 2', Koa2 as unknown as KoaModule)
 */
export function describeKoa(version: string, Koa: KoaModule): void {
  describeNodeAdapter(
    `@ajwt/koa on ${version} with Koa default error handling`,
    (options) => whoamiApp(Koa, options),
    // ctx.get answers '' for a missing header.
    (ctx, name) => (ctx as Context).get(name) || undefined,
  )

  describe(`@ajwt/koa on ${version}`, () => {
    const { options, billing, stranger } = adapterKeys()

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
      const unknown = await request(app.callback()).get('/').set('authorization', await stranger('mallory').authorization())
      const forged = await request(app.callback()).get('/').set('authorization', await stranger('billing').authorization())
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
      const res = await request(app.callback()).get('/').set('authorization', await stranger('billing').authorization())
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
}
