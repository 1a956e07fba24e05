// An Express 5 API protected by ajwt.
//   node src/server.ts            listens on 127.0.0.1:3000 (PORT to change), trusts .keys/billing.pub
//                                 (or AJWT_PUBLIC_KEY_FILE for AJWT_USERNAME)
import { type AjwtError, type KeyStore, MemoryNonceStore } from '@ajwt/core'
import { ajwt, ajwtErrorHandler } from '@ajwt/express'
import { listening, type RunningServer } from '@ajwt/example-kit/listen'
import { runServer } from '@ajwt/example-kit/main'
import express, { type Express } from 'express'

export interface ServerOptions {
  /** Whose requests to trust: username → public keys. */
  keys: KeyStore
  /** 0 picks a free port. */
  port?: number
  /** Where the precise reason of each rejection goes (the client only sees a generic 401). */
  onRejected?: (error: AjwtError) => void
}

export function createApp({ keys, onRejected }: ServerOptions): Express {
  const app = express()
  app.get('/health', (_req, res) => {
    res.json({ ok: true })
  })
  // One process: memory is enough. Several processes or machines: RedisNonceStore or PostgresNonceStore.
  app.use('/api', ajwt({ keys, nonces: new MemoryNonceStore(), onRejected }))
  app.get('/api/invoices', (req, res) => {
    res.json({ user: req.auth?.username, invoices: [{ id: 1, total: 42 }] })
  })
  app.use(express.json())
  app.post('/api/invoices', (req, res) => {
    res.status(201).json({ createdBy: req.auth?.username, invoice: req.body })
  })
  app.use(ajwtErrorHandler())
  return app
}

export function startServer(options: ServerOptions): Promise<RunningServer> {
  return listening(createApp(options).listen(options.port ?? 0, '127.0.0.1'))
}

if (import.meta.main) await runServer(new URL('..', import.meta.url), startServer)
