// An Express 5 API protected by ajwt.
//   node src/server.ts            listens on 127.0.0.1:3000 (PORT to change), trusts .keys/billing.pub
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type AjwtError, MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
import { ajwt, ajwtErrorHandler } from '@ajwt/express'
import express, { type Express } from 'express'
import { loadKeyPair, USERNAME } from './keys.ts'

export interface ServerOptions {
  /** Trusted public keys per username (PEM, OpenSSH or JWK). */
  publicKeys: Record<string, string[]>
  port?: number
  host?: string
  /** Where rejection reasons go (never to the client). */
  log?: (line: string) => void
}

export function createApp({ publicKeys, log = console.log }: ServerOptions): Express {
  const app = express()
  app.get('/health', (_req, res) => {
    res.json({ ok: true })
  })
  app.use(
    '/api',
    ajwt({
      keys: new MemoryKeyStore(publicKeys),
      // One process: memory is enough. Several processes or machines: RedisNonceStore or PostgresNonceStore.
      nonces: new MemoryNonceStore(),
      onRejected: (error: AjwtError) => log(`rejected: ${error.code} (${error.detail})`),
    }),
  )
  app.get('/api/invoices', (req, res) => {
    res.json({ hello: req.auth?.username, invoices: [{ id: 1, total: 42 }] })
  })
  app.use(express.json())
  app.post('/api/invoices', (req, res) => {
    res.status(201).json({ createdBy: req.auth?.username, invoice: req.body })
  })
  app.use(ajwtErrorHandler())
  return app
}

/** Starts the server; port 0 picks a free port. */
export async function startServer(options: ServerOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const app = createApp(options)
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(options.port ?? 0, options.host ?? '127.0.0.1', (error?: Error) =>
      error ? reject(error) : resolve(listening),
    )
  })
  const { address, port } = server.address() as AddressInfo
  return {
    url: `http://${address}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

if (import.meta.main) {
  const { publicKey } = await loadKeyPair()
  const { url } = await startServer({ publicKeys: { [USERNAME]: [publicKey] }, port: Number(process.env.PORT ?? 3000) })
  console.log(`listening on ${url}, trusting user "${USERNAME}" (.keys/${USERNAME}.pub); try: node src/client.ts ${url}`)
}
