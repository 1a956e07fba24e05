// The Workers snippets of @ajwt/hono's README ("Choosing a nonce store"), as written there
// (test/hono-readme.test.ts checks that every line of them is in this file, and drives both apps
// in workerd); `tsc` type-checks them with the Env that `wrangler types` generated.
import { ajwt, type AjwtEnv } from '@ajwt/hono'
import { MemoryKeyStore } from '@ajwt/core'
import { env } from 'cloudflare:workers'
import { Hono, type MiddlewareHandler } from 'hono'
import vectors from '../../core/test/fixtures/wire-vectors.json' with { type: 'json' }
import { DurableObjectNonceStore, NonceStoreObject } from '../src/index.ts'

const billingPublicKeyPem = vectors.keys.ed25519.public_spki_pem

// Env: the bindings `wrangler types` declares (AJWT_NONCES, the NonceStoreObject namespace)
const app = new Hono<{ Bindings: Env } & AjwtEnv>()
const keys = new MemoryKeyStore({ billing: [billingPublicKeyPem] })
// built once per isolate, from the env that cloudflare:workers exports
app.use('/api/*', ajwt({ keys, nonces: new DurableObjectNonceStore(env.AJWT_NONCES) }))
app.get('/api/invoices', (c) => c.json({ user: c.get('auth').username }))
export default app
export { NonceStoreObject }

/** The README's second form: the middleware built from `c.env` on the first request. */
export function fromContextEnv() {
  const app = new Hono<{ Bindings: Env } & AjwtEnv>()
  let auth: MiddlewareHandler | undefined // MiddlewareHandler from 'hono'
  app.use('/api/*', (c, next) => {
    auth ??= ajwt({ keys, nonces: new DurableObjectNonceStore(c.env.AJWT_NONCES) })
    return auth(c, next)
  })
  app.get('/api/invoices', (c) => c.json({ user: c.get('auth').username }))
  return app
}
