import { CompositeKeyStore } from '@ajwt/core'
import { DurableObjectNonceStore, EnvKeyStore, KvKeyStore, withAjwt } from '@ajwt/cloudflare'

// The nonce store's Durable Object class must be exported by the Worker that binds it.
export { NonceStoreObject } from '@ajwt/cloudflare'

const INVOICES = [
  { id: 'inv-1001', amount: 1200 },
  { id: 'inv-1002', amount: 340 },
]

export default withAjwt(
  async (request, _env, _ctx, auth) => {
    const { pathname } = new URL(request.url)
    if (pathname !== '/api/invoices') return Response.json({ error: 'not_found' }, { status: 404 })
    if (request.method !== 'POST') return Response.json({ user: auth.username, invoices: INVOICES })
    const invoice: unknown = await request.json().catch(() => undefined)
    if (invoice === undefined) return Response.json({ error: 'bad_request', message: 'the body is not JSON' }, { status: 400 })
    return Response.json({ createdBy: auth.username, invoice }, { status: 201 })
  },
  // Runs once per isolate: keys are imported once, not per request.
  (env: Env) => ({
    keys: new CompositeKeyStore([new EnvKeyStore(env.AJWT_KEYS), new KvKeyStore({ namespace: env.AJWT_KEYS_KV })]),
    nonces: new DurableObjectNonceStore(env.AJWT_NONCES),
    onRejected: (error) => console.warn(`ajwt rejected a request: ${error.code} (${error.detail})`),
  }),
)
