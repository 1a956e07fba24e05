import type { Auth, KeyStore, NonceStore } from '@ajwt/core'
import { Hono, type MiddlewareHandler } from 'hono'
import { describe, expectTypeOf, it } from 'vitest'
import { type AjwtEnv, type AjwtOptionalEnv, ajwt } from './index.ts'

declare const keys: KeyStore
declare const nonces: NonceStore

describe('c.get("auth")', () => {
  it('is Auth behind ajwt() on a route', () => {
    new Hono().get('/', ajwt({ keys, nonces }), (c) => {
      expectTypeOf(c.get('auth')).toEqualTypeOf<Auth>()
      return c.text(c.get('auth').username)
    })
  })

  it('is Auth after app.use(ajwt()) in a chain', () => {
    new Hono().use(ajwt({ keys, nonces, optional: false })).get('/', (c) => {
      expectTypeOf(c.get('auth')).toEqualTypeOf<Auth>()
      return c.text('')
    })
  })

  it('is Auth in an app typed with AjwtEnv', () => {
    const app = new Hono<AjwtEnv>()
    app.use('/api/*', ajwt({ keys, nonces }))
    app.get('/api/me', (c) => c.json({ user: c.get('auth').username, kid: c.get('auth').kid }))
  })

  // The README's Workers snippets (run in workerd by @ajwt/cloudflare's test/hono-readme.test.ts).
  it('is Auth in an app typed with its own Bindings & AjwtEnv', () => {
    const app = new Hono<{ Bindings: { REGION: string } } & AjwtEnv>()
    app.use('/api/*', ajwt({ keys, nonces }))
    app.get('/api/me', (c) => {
      expectTypeOf(c.get('auth')).toEqualTypeOf<Auth>()
      expectTypeOf(c.env.REGION).toEqualTypeOf<string>()
      return c.json({ user: c.get('auth').username })
    })
  })

  it('is Auth with the middleware built from c.env on the first request', () => {
    const app = new Hono<{ Bindings: { NONCES: NonceStore } } & AjwtEnv>()
    let auth: MiddlewareHandler | undefined
    app.use('/api/*', (c, next) => {
      auth ??= ajwt({ keys, nonces: c.env.NONCES })
      return auth(c, next)
    })
    app.get('/api/me', (c) => c.json({ user: c.get('auth').username }))
  })

  it('may be undefined in optional mode', () => {
    new Hono().get('/', ajwt({ keys, nonces, optional: true }), (c) => {
      expectTypeOf(c.get('auth')).toEqualTypeOf<Auth | undefined>()
      // @ts-expect-error auth is absent for requests without a JWT Authorization header
      c.get('auth').username
      return c.text(c.get('auth')?.username ?? 'anonymous')
    })
  })

  it('may be undefined when optional is only known at runtime', () => {
    const optional = process.env.AJWT_OPTIONAL === '1'
    new Hono().get('/', ajwt({ keys, nonces, optional }), (c) => {
      expectTypeOf(c.get('auth')).toEqualTypeOf<Auth | undefined>()
      return c.text('')
    })
  })

  it('may be undefined in an app typed with AjwtOptionalEnv', () => {
    const app = new Hono<AjwtOptionalEnv>()
    app.use('*', ajwt({ keys, nonces, optional: true }))
    app.get('/', (c) => {
      expectTypeOf(c.get('auth')).toEqualTypeOf<Auth | undefined>()
      return c.text('')
    })
  })

  it('accepts a ready verifier instead of stores', () => {
    const verifier = { scheme: 'JWT', verify: async () => ({ ok: false as const, error: undefined as never }) }
    expectTypeOf(ajwt({ verifier })).toBeFunction()
    // @ts-expect-error options need { keys, nonces } or { verifier }
    ajwt({ optional: true })
  })
})
