// The API: /health is public, everything under /api needs a request signed by a known client.
//   AJWT_PUBLIC_KEY_FILE=billing.pub PORT=3000 node src/server.ts
import { readFile } from 'node:fs/promises'
import { type AjwtError, type KeyStore, MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
import { ajwt } from '@ajwt/fastify'
import Fastify, { type FastifyInstance } from 'fastify'

export interface ServerOptions {
  keys: KeyStore
  /** Where the precise reason of each rejection goes (the client only sees a generic 401). */
  onRejected?: (error: AjwtError) => void
}

export interface RunningServer {
  url: string
  close: () => Promise<void>
}

export async function buildServer({ keys, onRejected }: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify()
  app.get('/health', async () => ({ ok: true }))
  // An encapsulated scope: the plugin protects the routes registered here, and only those.
  await app.register(
    async (api) => {
      await api.register(ajwt, { keys, nonces: new MemoryNonceStore(), onRejected })
      api.get('/invoices', async (request) => ({
        client: request.auth?.username,
        invoices: [{ id: 'INV-1', amount: 120 }],
      }))
    },
    { prefix: '/api' },
  )
  return app
}

export async function startServer(port: number, options: ServerOptions): Promise<RunningServer> {
  const app = await buildServer(options)
  const url = await app.listen({ port, host: '127.0.0.1' })
  return { url, close: () => app.close() }
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
