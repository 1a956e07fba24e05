import { MemoryKeyStore, MemoryNonceStore, type Auth } from '@ajwt/core'
import { expectTypeOf, test } from 'vitest'
import { withAjwt, type AjwtWorker } from './with-ajwt.ts'

const keys = new MemoryKeyStore()
const nonces = new MemoryNonceStore()
interface MyEnv {
  REGION: string
}

test('auth is always present unless optional is true', () => {
  withAjwt((_req, _env, _ctx, auth) => {
    expectTypeOf(auth).toEqualTypeOf<Auth>()
    return new Response()
  }, { keys, nonces })
  withAjwt((_req, _env, _ctx, auth) => {
    expectTypeOf(auth).toEqualTypeOf<Auth | undefined>()
    return new Response()
  }, { keys, nonces, optional: true })
})

test('env is typed from the options function and returned as an ExportedHandler-compatible object', () => {
  const worker = withAjwt(
    (_req, env, _ctx, auth) => {
      expectTypeOf(env).toEqualTypeOf<MyEnv>()
      expectTypeOf(auth).toEqualTypeOf<Auth>()
      return new Response(env.REGION)
    },
    (_env: MyEnv) => ({ keys, nonces }),
  )
  expectTypeOf(worker).toEqualTypeOf<AjwtWorker<MyEnv>>()
  expectTypeOf(worker).toExtend<ExportedHandler<MyEnv>>()
})

// Both arguments are context-sensitive here, so TypeScript cannot infer Env from the options
// function: it defaults to Cloudflare.Env (what `wrangler types` declares), or is given explicitly.
test('the overload holds when the options function returns callbacks (context-sensitive)', () => {
  withAjwt<MyEnv>(
    (_req, _env, _ctx, auth) => {
      expectTypeOf(auth).toEqualTypeOf<Auth>()
      return new Response(auth.username)
    },
    (_env: MyEnv) => ({ keys, nonces, onRejected: (error) => console.warn(error.code) }),
  )
  withAjwt<MyEnv>(
    (_req, _env, _ctx, auth) => {
      expectTypeOf(auth).toEqualTypeOf<Auth | undefined>()
      return new Response(auth?.username)
    },
    (_env: MyEnv) => ({ keys, nonces, optional: true, onRejected: (error) => console.warn(error.code) }),
  )
  withAjwt<MyEnv>(
    (_req, _env, _ctx, auth) => {
      expectTypeOf(auth).toEqualTypeOf<Auth | undefined>()
      return new Response()
    },
    (_env: MyEnv) => ({ keys, nonces, optional: Math.random() > 0.5 }),
  )
})
