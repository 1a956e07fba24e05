import { ajwt, type AjwtEnv } from '@ajwt/hono'
import { env } from 'cloudflare:workers'
import { Hono } from 'hono'
import { DurableObjectNonceStore, EnvKeyStore } from '../src/index.ts'

// @ajwt/hono on Workers: the middleware is built once per isolate, at module scope, from the
// importable `env` of cloudflare:workers.
export const app = new Hono<AjwtEnv & { Bindings: Env }>().basePath('/hono')

app.use('/api/*', ajwt({ keys: new EnvKeyStore(env.AJWT_KEYS), nonces: new DurableObjectNonceStore(env.AJWT_NONCES) }))
app.get('/api/whoami', (c) => c.json({ username: c.get('auth').username }))
