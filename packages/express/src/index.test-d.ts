import { type Auth, MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express'
import { describe, expectTypeOf, it } from 'vitest'
import { type AjwtOptions, ajwt, ajwtErrorHandler } from './index.ts'

const keys = new MemoryKeyStore({})
const nonces = new MemoryNonceStore()

describe('@ajwt/express types', () => {
  it('types req.auth as an optional Auth on every Express request', () => {
    expectTypeOf<Request["auth"]>().toEqualTypeOf<Auth | undefined>()
    const app = express()
    app.use(ajwt({ keys, nonces }))
    app.get('/', (req, res) => {
      expectTypeOf(req.auth).toEqualTypeOf<Auth | undefined>()
      if (!req.auth) return res.sendStatus(401)
      expectTypeOf(req.auth.username).toEqualTypeOf<string>()
      expectTypeOf(req.auth.kid).toEqualTypeOf<string>()
      expectTypeOf(req.auth.time).toEqualTypeOf<number>()
      expectTypeOf(req.auth.nonce).toEqualTypeOf<string>()
      expectTypeOf(req.auth.claims).toEqualTypeOf<Record<string, unknown>>()
      return res.json({ username: req.auth.username })
    })
  })

  it('returns Express handlers and takes verifier options or a verifier, plus optional', () => {
    expectTypeOf(ajwt({ keys, nonces })).toEqualTypeOf<RequestHandler>()
    expectTypeOf(ajwt({ keys, nonces, optional: true, toleranceSeconds: 30 })).toEqualTypeOf<RequestHandler>()
    expectTypeOf(ajwtErrorHandler()).toEqualTypeOf<ErrorRequestHandler>()
    expectTypeOf<{ verifier: { scheme: string; verify: () => never }; optional: true }>().toMatchTypeOf<AjwtOptions>()
    // @ts-expect-error a NonceStore is required
    ajwt({ keys })
    // @ts-expect-error optional is a boolean
    ajwt({ keys, nonces, optional: 'yes' })
  })

  it('never types auth as any', () => {
    expectTypeOf<Request['auth']>().not.toBeAny()
    expectTypeOf<NonNullable<Request['auth']>['username']>().not.toBeAny()
  })
})
