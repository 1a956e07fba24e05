// The API: /health is public, everything under /api needs a request signed by a known client.
//   node src/server.ts            listens on 127.0.0.1:3000 (PORT to change), trusts .keys/billing.pub
//                                 (or AJWT_PUBLIC_KEY_FILE for AJWT_USERNAME)
import { type AjwtError, type KeyStore, MemoryNonceStore } from '@ajwt/core'
import type { RunningServer } from '@ajwt/example-kit/listen'
import { runServer } from '@ajwt/example-kit/main'
import { ajwt } from '@ajwt/fastify'
import Fastify, { type FastifyInstance } from 'fastify'

export interface ServerOptions {
  /** Whose requests to trust: username → public keys. */
  keys: KeyStore
  /** 0 picks a free port. */
  port?: number
  /** Where the precise reason of each rejection goes (the client only sees a generic 401). */
  onRejected?: (error: AjwtError) => void
}

export async function buildServer({ keys, onRejected }: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify()
  app.get('/health', async () => ({ ok: true }))
  // An encapsulated scope: the plugin protects the routes registered here, and only those.
  await app.register(
    async (api) => {
      await api.register(ajwt, { keys, nonces: new MemoryNonceStore(), onRejected })
      api.get('/invoices', async (request) => ({
        user: request.auth?.username,
        invoices: [{ id: 'INV-1', amount: 120 }],
      }))
      api.post('/invoices', async (request, reply) => reply.code(201).send({ createdBy: request.auth?.username, invoice: request.body }))
    },
    { prefix: '/api' },
  )
  return app
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const app = await buildServer(options)
  const url = await app.listen({ port: options.port ?? 0, host: '127.0.0.1' })
  return { url, close: () => app.close() }
}

if (import.meta.main) await runServer(new URL('..', import.meta.url), startServer)
