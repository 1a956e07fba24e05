// The API: /health is public, everything under /api needs a request signed by a known client.
//   AJWT_PUBLIC_KEY_FILE=billing.pub PORT=3000 node src/server.ts
import { readFile } from 'node:fs/promises'
import type { Server } from 'node:http'
import { type AjwtError, type KeyStore, MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
import { type AjwtEnv, ajwt } from '@ajwt/hono'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

export interface ServerOptions {
  keys: KeyStore
  /** Where the precise reason of each rejection goes (the client only sees a generic 401). */
  onRejected?: (error: AjwtError) => void
}

export interface RunningServer {
  url: string
  close: () => Promise<void>
}

// The same app runs on Bun, Deno and Workers (`export default app`); only startServer is Node's.
export function buildApp({ keys, onRejected }: ServerOptions): Hono<AjwtEnv> {
  const app = new Hono<AjwtEnv>()
  app.get('/health', (c) => c.json({ ok: true }))
  app.use('/api/*', ajwt({ keys, nonces: new MemoryNonceStore(), onRejected }))
  app.get('/api/invoices', (c) =>
    c.json({ client: c.get('auth').username, invoices: [{ id: 'INV-1', amount: 120 }] }),
  )
  return app
}

export function startServer(port: number, options: ServerOptions): Promise<RunningServer> {
  const app = buildApp(options)
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections()
            server.close(() => done())
          }),
      })
    }) as Server
    server.once('error', reject)
  })
}

if (import.meta.main) {
  const file = process.env.AJWT_PUBLIC_KEY_FILE
  if (!file) {
    console.error('Set AJWT_PUBLIC_KEY_FILE to the client\'s public key file (see README.md).')
    process.exit(2)
  }
  const username = process.env.AJWT_USERNAME ?? 'billing'
  const keys = new MemoryKeyStore({ [username]: [await readFile(file, 'utf8')] })
  await keys.loaded()
  const server = await startServer(Number(process.env.PORT ?? 3000), {
    keys,
    onRejected: (error) => console.warn(`rejected: ${error.code} (${error.detail})`),
  })
  console.log(`listening on ${server.url} — try GET ${server.url}/api/invoices`)
}
