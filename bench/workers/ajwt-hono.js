// The same Worker written with Hono and @ajwt/hono.
import { ajwt } from '@ajwt/hono'
import { DurableObjectNonceStore, EnvKeyStore } from '@ajwt/cloudflare'
import { Hono } from 'hono'
export { NonceStoreObject } from '@ajwt/cloudflare'

const app = new Hono()
let auth // built once per isolate, from the first request's env
app.use('/api/*', (c, next) => {
  auth ??= ajwt({ keys: new EnvKeyStore(c.env.AJWT_KEYS), nonces: new DurableObjectNonceStore(c.env.AJWT_NONCES) })
  return auth(c, next)
})
app.get('/api/hello', (c) => c.json({ user: c.get('auth').username }))
export default app
