import type { Auth, KeyStore, NonceStore, Verifier } from '@ajwt/core'
import Fastify from 'fastify'
import { describe, expectTypeOf, it } from 'vitest'
import { type AjwtHook, ajwt } from './index.ts'

declare const keys: KeyStore
declare const nonces: NonceStore
declare const verifier: Verifier

describe('@ajwt/fastify types', () => {
  it('types request.auth as Auth, absent where the plugin does not run or in optional mode', async () => {
    const app = Fastify()
    await app.register(ajwt, { keys, nonces, optional: true })
    app.get('/', async (request) => {
      expectTypeOf(request.auth).toEqualTypeOf<Auth | undefined>()
      // @ts-expect-error auth is absent for requests without a JWT Authorization header
      request.auth.username
      return { user: request.auth?.username }
    })
  })

  it('exposes app.ajwt as a route hook', async () => {
    const app = Fastify()
    await app.register(ajwt, { verifier, addHook: false })
    expectTypeOf(app.ajwt).toEqualTypeOf<AjwtHook>()
    app.get('/a', { onRequest: app.ajwt }, async (request) => request.auth?.kid)
    app.get('/b', { preHandler: [app.ajwt] }, async (request) => request.auth?.nonce)
  })

  it('checks the options', async () => {
    const app = Fastify()
    await app.register(ajwt, { keys, nonces, toleranceSeconds: 30, onRejected: (error) => error.code })
    // @ts-expect-error options need { keys, nonces } or { verifier }
    await app.register(ajwt, { optional: true })
    // @ts-expect-error addHook is a boolean
    await app.register(ajwt, { verifier, addHook: 'yes' })
  })
})
