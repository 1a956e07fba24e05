// The API: /health is public, everything under /api needs a request signed by a known client.
//   node src/server.ts            listens on 127.0.0.1:3000 (PORT to change), trusts .keys/billing.pub
//                                 (or AJWT_PUBLIC_KEY_FILE for AJWT_USERNAME)
import type { Server } from 'node:http'
import { type AjwtError, type KeyStore, MemoryNonceStore } from '@ajwt/core'
import { listening, type RunningServer } from '@ajwt/example-kit/listen'
import { runServer } from '@ajwt/example-kit/main'
import { type AjwtEnv, ajwt } from '@ajwt/hono'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

export interface ServerOptions {
  /** Whose requests to trust: username → public keys. */
  keys: KeyStore
  /** 0 picks a free port. */
  port?: number
  /** Where the precise reason of each rejection goes (the client only sees a generic 401). */
  onRejected?: (error: AjwtError) => void
}

// The same app runs on Bun, Deno and Workers (`export default app`); only startServer is Node's.
export function buildApp({ keys, onRejected }: ServerOptions): Hono<AjwtEnv> {
  const app = new Hono<AjwtEnv>()
  app.get('/health', (c) => c.json({ ok: true }))
  app.use('/api/*', ajwt({ keys, nonces: new MemoryNonceStore(), onRejected }))
  app.get('/api/invoices', (c) => c.json({ user: c.get('auth').username, invoices: [{ id: 'INV-1', amount: 120 }] }))
  app.post('/api/invoices', async (c) => {
    const invoice: unknown = await c.req.json().catch(() => undefined)
    if (invoice === undefined) return c.json({ error: 'bad_request', message: 'the body is not JSON' }, 400)
    return c.json({ createdBy: c.get('auth').username, invoice }, 201)
  })
  return app
}

export function startServer(options: ServerOptions): Promise<RunningServer> {
  const app = buildApp(options)
  return listening(serve({ fetch: app.fetch, port: options.port ?? 0, hostname: '127.0.0.1' }) as Server)
}

if (import.meta.main) await runServer(new URL('..', import.meta.url), startServer)
