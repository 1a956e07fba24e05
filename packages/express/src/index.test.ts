import { type AjwtError, createSigner, generateKeyPair, type GeneratedKeyPair, isAjwtError, MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
import express, { type ErrorRequestHandler } from 'express'
import request from 'supertest'
import { beforeAll, describe, expect, it } from 'vitest'
import { describeAdapterScenarios, expectRejected, tamper } from '../test/adapter-scenarios.ts'
import { ajwt, ajwtErrorHandler } from './index.ts'

describe('@ajwt/express with Express default error handling', () => {
  describeAdapterScenarios({
    app(options) {
      const app = express()
      app.use(ajwt(options))
      app.get('/whoami', (req, res) => {
        res.json({ auth: req.auth ?? null, authorization: req.headers.authorization ?? null })
      })
      return app
    },
  })
})

describe('@ajwt/express', () => {
  let keyPair: GeneratedKeyPair
  let stranger: GeneratedKeyPair
  beforeAll(async () => {
    ;[keyPair, stranger] = await Promise.all([generateKeyPair('ed25519'), generateKeyPair('ed25519')])
  })
  const options = () => ({ keys: new MemoryKeyStore({ billing: [keyPair.publicKey] }), nonces: new MemoryNonceStore() })
  const billing = () => createSigner({ username: 'billing', privateKey: keyPair.privateKey })

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
    expectRejected(await request(app).get('/api/reports').then(asReply), 'invalid_request')
    expect(reached).toBe(0)
    const res = await request(app).get('/api/reports').set('authorization', await billing().authorization())
    expect(res.body).toEqual({ username: 'billing' })
    expect(reached).toBe(1)
  })

  it('ajwtErrorHandler answers with the JSON body, the same for an unknown user and a bad signature', async () => {
    const app = express()
    app.use(ajwt(options()))
    app.get('/', (_req, res) => {
      res.send('ok')
    })
    app.use(ajwtErrorHandler())
    const unknown = await request(app)
      .get('/')
      .set('authorization', await createSigner({ username: 'mallory', privateKey: stranger.privateKey }).authorization())
    const forged = await request(app)
      .get('/')
      .set('authorization', await createSigner({ username: 'billing', privateKey: stranger.privateKey }).authorization())
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
    const token = await billing().token()
    const res = await request(app).get('/').set('authorization', `JWT ${tamper(token, { role: 'admin' })}`)
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

  it('accepts a ready verifier and refuses to start without stores', async () => {
    const { createVerifier } = await import('@ajwt/core')
    const app = express()
    app.use(ajwt({ verifier: createVerifier(options()) }))
    app.get('/', (req, res) => {
      res.json(req.auth)
    })
    const res = await request(app).get('/').set('authorization', await billing().authorization())
    expect(res.body.username).toBe('billing')
    // @ts-expect-error keys and nonces are required
    expect(() => ajwt({})).toThrow(expect.objectContaining({ code: 'invalid_options', detail: expect.stringMatching(/keys/) }))
  })
})

function asReply(res: request.Response) {
  return { status: res.status, headers: res.headers as Record<string, string>, body: res.text }
}
