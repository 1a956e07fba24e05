import { DurableObject } from 'cloudflare:workers'
import { DurableObjectNonceStore, KvKeyStore, withAjwt, type NonceStoreObject } from '../src/index.ts'
import { jwksEndpoint } from './jwks-endpoint.ts'
import { whoami } from './whoami.ts'

export { NonceStoreObject } from '../src/index.ts'

/** A nonce Durable Object whose storage is down: every claim RPC rejects, as an overloaded or reset object does. */
export class UnavailableNonceStore extends DurableObject {
  async claim(): Promise<boolean> {
    throw new Error('Durable Object storage is unavailable')
  }
}

/** Another application's Durable Object with a `claim` method: bound by mistake, it answers no boolean. */
export class NotANonceStore extends DurableObject {
  async claim(): Promise<string> {
    return 'claimed'
  }
}

// The whoami route with the Worker's own stores (KV keys, Durable Object nonces), built from env once per isolate.
const strict = withAjwt(whoami, (env: Env) => ({
  keys: new KvKeyStore({ namespace: env.AJWT_KEYS_KV }),
  nonces: new DurableObjectNonceStore(env.AJWT_NONCES, { shards: 4 }),
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
    if (pathname.startsWith('/jwks/')) return jwksEndpoint(request, env)
    if (pathname.startsWith('/broken/')) return broken.fetch(request, env, ctx)
    return strict.fetch(request, env, ctx)
  },
} satisfies ExportedHandler<Env>
