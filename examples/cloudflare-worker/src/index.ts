import { CompositeKeyStore } from '@ajwt/core'
import { DurableObjectNonceStore, EnvKeyStore, KvKeyStore, withAjwt } from '@ajwt/cloudflare'

// The nonce store's Durable Object class must be exported by the Worker that binds it.
export { NonceStoreObject } from '@ajwt/cloudflare'

const INVOICES = [
  { id: 'inv-1001', amount: 1200 },
  { id: 'inv-1002', amount: 340 },
]

export default withAjwt(
  (request, _env, _ctx, auth) => {
    const { pathname } = new URL(request.url)
    if (pathname === '/api/invoices') return Response.json({ user: auth.username, invoices: INVOICES })
    return Response.json({ error: 'not_found' }, { status: 404 })
  },
  // Runs once per isolate: keys are imported once, not per request.
  (env: Env) => ({
    keys: new CompositeKeyStore([new EnvKeyStore(env.AJWT_KEYS), new KvKeyStore({ namespace: env.AJWT_KEYS_KV })]),
    nonces: new DurableObjectNonceStore(env.AJWT_NONCES),
    onRejected: (error) => console.warn(`ajwt rejected a request: ${error.code} (${error.detail})`),
  }),
)
