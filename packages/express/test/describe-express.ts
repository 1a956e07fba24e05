// The @ajwt/express suite, run on each supported Express major: src/index.test.ts (Express 5) and
// src/express4.test.ts (Express 4) hand it their `express`.
import { createServer } from 'node:http'
import { type AjwtError, type AjwtOptions, createSigner, isAjwtError, MemoryNonceStore } from '@ajwt/core'
import { listenOnLoopback } from '@ajwt/testing'
import { adapterKeys, describeNodeAdapter } from '@ajwt/test-utils/node-adapter'
import type express from 'express'
import type { ErrorRequestHandler, Request } from 'express'
import request from 'supertest'
import { describe, expect, it } from 'vitest'
import { ajwt, ajwtErrorHandler } from '../src/index.ts'

/** The `express` module's default export, typed as Express 5's (the calls used here are the same in 4). */
export type ExpressModule = typeof express

// Rejections go through Express's default error handler (an HTML page), with no handler of ours.
const whoamiApp = (express: ExpressModule, options: AjwtOptions) =>
  express()
    .get('/open', (_req, res) => {
      res.send('ok')
    })
    .use(ajwt(options))
    .get('/whoami', (req, res) => {
      res.json({ auth: req.auth ?? null, authorization: req.headers.authorization ?? null })
    })
    // express.text() downstream of ajwt (body-parser 1.x in Express 4, 2.x in 5): it reads the
    // checked body, or fails with the AjwtError. A RegExp path: the same in Express 4 and 5.
    .all(/^\/echo(?:\/.*)?$/, express.text({ type: () => true, limit: '8mb' }), (req, res) => {
      res.json({ auth: req.auth ?? null, body: typeof req.body === 'string' ? req.body : '' })
    })

/**
 * The adapter conformance suite and @ajwt/express's own tests, on the Express `express` is.
 *
 * @example
 * describeExpress('Express 4', express4 as ExpressModule)
 */
export function describeExpress(version: string, express: ExpressModule): void {
  describeNodeAdapter(
    `@ajwt/express on ${version} with Express default error handling`,
    (options) => whoamiApp(express, options),
    (req, name) => (req as Request).get(name),
  )

  describe(`@ajwt/express on ${version}`, () => {
    const { options, billing, stranger } = adapterKeys()

    it('protects only what it is mounted on, and the route never runs for a rejected request', async () => {
      const app = express()
      let reached = 0
      app.get('/health', (_req, res) => {
        res.send('ok')
      })
      app.use('/api', ajwt(options()))
      app.get('/api/reports', (req, res) => {
        reached++
        res.json({ username: req.auth?.username })
      })
      expect((await request(app).get('/health')).text).toBe('ok')
      const rejected = await request(app).get('/api/reports')
      expect(rejected.status).toBe(401)
      expect(rejected.headers['www-authenticate']).toBe('JWT error="invalid_request"')
      expect(reached).toBe(0)
      const res = await request(app).get('/api/reports').set('authorization', await billing().authorization())
      expect(res.body).toEqual({ username: 'billing' })
      expect(reached).toBe(1)
    })

    it('the same middleware mounted on a path and on a route authenticates a request once (no replay), body included', async () => {
      const auth = ajwt(options())
      const app = express()
      app.use('/api', auth)
      app.post('/api/orders', auth, express.json(), (req, res) => {
        res.json({ username: req.auth?.username, order: req.body })
      })
      const server = createServer(app)
      const listening = await listenOnLoopback(server)
      try {
        const order = JSON.stringify({ sku: 'A-1', qty: 2 })
        const url = `${listening.url}/api/orders`
        const send = async (authorization: string, body = order) =>
          fetch(url, { method: 'POST', body, headers: { authorization, 'content-type': 'application/json' } })
        const authorization = await billing().authorization({ method: 'POST', url, body: order })
        const res = await send(authorization)
        expect(res.status).toBe(200)
        expect(await res.json()).toEqual({ username: 'billing', order: { sku: 'A-1', qty: 2 } })
        expect((await send(authorization)).status).toBe(401)
        const tampered = await send(await billing().authorization({ method: 'POST', url, body: order }), order.replace('2', '9'))
        expect(tampered.status).toBe(401)
      } finally {
        await listening.close()
      }
    })

    it('ajwtErrorHandler answers with the JSON body, the same for an unknown user and a bad signature', async () => {
      const app = express()
      app.use(ajwt(options()))
      app.get('/', (_req, res) => {
        res.send('ok')
      })
      app.use(ajwtErrorHandler())
      const unknown = await request(app).get('/').set('authorization', await stranger('mallory').authorization())
      const forged = await request(app).get('/').set('authorization', await stranger('billing').authorization())
      for (const res of [unknown, forged]) {
        expect(res.status).toBe(401)
        expect(res.headers['content-type']).toMatch(/^application\/json/)
        expect(res.headers['www-authenticate']).toBe('JWT error="invalid_token"')
        expect(res.body).toEqual({ error: 'invalid_token', message: 'Invalid JWT credentials' })
      }
      expect(unknown.text).toBe(forged.text)
    })

    it('ajwtErrorHandler answers 503 with Retry-After and passes other errors on', async () => {
      const app = express()
      app.get('/boom', () => {
        throw new Error('boom')
      })
      app.use(ajwt({ keys: { getKeys: () => Promise.reject(new Error('down')) }, nonces: new MemoryNonceStore() }))
      app.get('/', (_req, res) => {
        res.send('ok')
      })
      app.use(ajwtErrorHandler())
      const res = await request(app).get('/').set('authorization', await billing().authorization())
      expect(res.status).toBe(503)
      expect(res.headers['retry-after']).toBe('1')
      expect(res.headers['www-authenticate']).toBe('JWT error="temporarily_unavailable"')
      expect(res.body).toEqual({ error: 'temporarily_unavailable', message: 'Authentication is temporarily unavailable' })
      expect((await request(app).get('/boom')).status).toBe(500)
    })

    it("hands a custom verifier's rejection to the error handlers (Express 4 does not catch a rejected promise)", async () => {
      const app = express()
      app.set('env', 'production')
      const seen: unknown[] = []
      app.use(ajwt({ verifier: { scheme: 'JWT', verify: () => Promise.reject(new Error('verifier down')) } }))
      app.get('/', (_req, res) => {
        res.send('ok')
      })
      app.use(ajwtErrorHandler())
      const log: ErrorRequestHandler = (error, _req, _res, next) => {
        seen.push(error)
        next(error)
      }
      app.use(log)
      const res = await request(app).get('/').set('authorization', 'JWT a.b.c')
      expect(res.status).toBe(500)
      expect(seen).toEqual([new Error('verifier down')])
    })

    it('hands the precise reason to the app error handler for logging, and the client sees only the generic one', async () => {
      const app = express()
      app.set('env', 'production')
      const logged: string[] = []
      app.use(ajwt(options()))
      app.get('/', (_req, res) => {
        res.send('ok')
      })
      const log: ErrorRequestHandler = (error: AjwtError, _req, _res, next) => {
        if (isAjwtError(error)) logged.push(`${error.code}: ${error.detail}`)
        next(error)
      }
      app.use(log)
      const [header, payload, signature] = (await billing().token()).split('.')
      const claims = { ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), role: 'admin' }
      const forged = `JWT ${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`
      const res = await request(app).get('/').set('authorization', forged)
      expect(res.status).toBe(401)
      expect(res.headers['www-authenticate']).toBe('JWT error="invalid_token"')
      expect(res.text).toContain('Unauthorized')
      expect(res.text).not.toMatch(/signature|AjwtError| at /)
      expect(logged).toEqual(["invalid_signature: the signature does not verify with any of the user's keys"])
    })

    it('shows no stack trace in development either', async () => {
      const app = express()
      app.set('env', 'development')
      app.use(ajwt(options()))
      const res = await request(app).get('/').set('authorization', 'JWT a.b.c')
      expect(res.status).toBe(401)
      expect(res.text).toContain('AjwtError: Unauthorized')
      expect(res.text).not.toMatch(/ at |\.js:|\.ts:/)
    })

    it('refuses to start without stores', () => {
      // @ts-expect-error keys and nonces are required
      expect(() => ajwt({})).toThrow(expect.objectContaining({ code: 'invalid_options', detail: expect.stringMatching(/keys/) }))
    })
  })
}
