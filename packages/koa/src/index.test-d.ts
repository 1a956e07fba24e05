import { type Auth, MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
import Koa, { type Middleware } from 'koa'
import { describe, expectTypeOf, it } from 'vitest'
import { type AjwtOptionalState, type AjwtState, ajwt } from './index.ts'

const keys = new MemoryKeyStore({})
const nonces = new MemoryNonceStore()

describe('@ajwt/koa types', () => {
  it('types ctx.state.auth as Auth in required mode', () => {
    expectTypeOf(ajwt({ keys, nonces })).toEqualTypeOf<Middleware<AjwtState>>()
    expectTypeOf(ajwt({ keys, nonces, optional: false })).toEqualTypeOf<Middleware<AjwtState>>()
    new Koa<{}>().use(ajwt({ keys, nonces })).use((ctx) => {
      expectTypeOf(ctx.state.auth).toEqualTypeOf<Auth>()
      expectTypeOf(ctx.state.auth.username).toEqualTypeOf<string>()
      expectTypeOf(ctx.state.auth.kid).toEqualTypeOf<string>()
      expectTypeOf(ctx.state.auth.time).toEqualTypeOf<number>()
      expectTypeOf(ctx.state.auth.nonce).toEqualTypeOf<string>()
      expectTypeOf(ctx.state.auth.claims).toEqualTypeOf<Record<string, unknown>>()
    })
  })

  it('types ctx.state.auth as absent-able in optional mode', () => {
    expectTypeOf(ajwt({ keys, nonces, optional: true })).toEqualTypeOf<Middleware<AjwtOptionalState>>()
    const optional: boolean = Math.random() > 0.5
    expectTypeOf(ajwt({ keys, nonces, optional })).toEqualTypeOf<Middleware<AjwtOptionalState>>()
    new Koa<{}>().use(ajwt({ keys, nonces, optional: true })).use((ctx) => {
      expectTypeOf(ctx.state.auth).toEqualTypeOf<Auth | undefined>()
      // @ts-expect-error auth may be absent
      ctx.state.auth.username
      expectTypeOf(ctx.state.auth?.username).toEqualTypeOf<string | undefined>()
    })
  })

  it('types auth on a default `new Koa()` through the chained app', () => {
    new Koa().use(ajwt({ keys, nonces })).use((ctx) => {
      expectTypeOf(ctx.state.auth).toEqualTypeOf<Auth>()
    })
  })

  it('fits an app typed with its own state, and never types auth as any', () => {
    const app = new Koa<AjwtState & { requestId: string }>()
    app.use(ajwt({ keys, nonces }))
    app.use((ctx) => {
      expectTypeOf(ctx.state.requestId).toEqualTypeOf<string>()
      expectTypeOf(ctx.state.auth).not.toBeAny()
      expectTypeOf(ctx.state.auth.username).not.toBeAny()
    })
    // @ts-expect-error a NonceStore is required
    ajwt({ keys })
    ajwt({ verifier: { scheme: 'JWT', verify: async () => ({ ok: true, auth: {} as Auth }) } })
  })
})
