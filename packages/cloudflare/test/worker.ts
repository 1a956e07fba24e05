import { DurableObject } from 'cloudflare:workers'
import { DurableObjectNonceStore, KvKeyStore, withAjwt, type NonceStoreObject } from '../src/index.ts'

export { NonceStoreObject } from '../src/index.ts'

/** A nonce Durable Object whose storage is down: every claim RPC rejects, as an overloaded or reset object does. */
export class UnavailableNonceStore extends DurableObject {
  async claim(): Promise<boolean> {
    throw new Error('Durable Object storage is unavailable')
  }
}

const whoami = (_request: Request, _env: Env, _ctx: ExecutionContext, auth: { username: string } | undefined) =>
  Response.json({ username: auth?.username ?? null })

const strict = withAjwt(whoami, (env: Env) => ({
  keys: new KvKeyStore({ namespace: env.AJWT_KEYS_KV }),
  nonces: new DurableObjectNonceStore(env.AJWT_NONCES, { shards: 4 }),
}))

const optional = withAjwt(whoami, (env: Env) => ({
  keys: new KvKeyStore({ namespace: env.AJWT_KEYS_KV }),
  nonces: new DurableObjectNonceStore(env.AJWT_NONCES),
  optional: true,
}))

const broken = withAjwt(whoami, (env: Env) => ({
  keys: new KvKeyStore({ namespace: env.AJWT_KEYS_KV }),
  nonces: new DurableObjectNonceStore(env.UNAVAILABLE_NONCES as unknown as DurableObjectNamespace<NonceStoreObject>),
}))

export default {
  fetch(request, env, ctx) {
    const { pathname } = new URL(request.url)
    // Loaded on first use, so that the other routes do not depend on @ajwt/hono.
    if (pathname.startsWith('/hono/')) return import('./hono-app.ts').then(({ app }) => app.fetch(request, env, ctx))
    if (pathname.startsWith('/optional/')) return optional.fetch(request, env, ctx)
    if (pathname.startsWith('/broken/')) return broken.fetch(request, env, ctx)
    return strict.fetch(request, env, ctx)
  },
} satisfies ExportedHandler<Env>
