// A Koa 3 API protected by ajwt.
//   node src/server.ts            listens on 127.0.0.1:3000 (PORT to change), trusts .keys/billing.pub
//                                 (or AJWT_PUBLIC_KEY_FILE for AJWT_USERNAME)
import { type AjwtError, type KeyStore, MemoryNonceStore } from '@ajwt/core'
import { listening, type RunningServer } from '@ajwt/example-kit/listen'
import { runServer } from '@ajwt/example-kit/main'
import { ajwt, ajwtErrorHandler } from '@ajwt/koa'
import Koa from 'koa'

export interface ServerOptions {
  /** Whose requests to trust: username → public keys. */
  keys: KeyStore
  /** 0 picks a free port. */
  port?: number
  /** Where the precise reason of each rejection goes (the client only sees a generic 401). */
  onRejected?: (error: AjwtError) => void
}

export function createApp({ keys, onRejected }: ServerOptions): Koa {
  const app = new Koa()
  // Answer ajwt rejections with their JSON body (Koa's default is a text "Unauthorized").
  app.use(ajwtErrorHandler())
  app.use(async (ctx, next) => {
    if (ctx.path === '/health') ctx.body = { ok: true }
    else await next()
  })
  return app
    // One process: memory is enough. Several processes or machines: RedisNonceStore or PostgresNonceStore.
    .use(ajwt({ keys, nonces: new MemoryNonceStore(), onRejected }))
    .use(async (ctx) => {
      if (ctx.path !== '/api/invoices') return
      if (ctx.method === 'GET') {
        ctx.body = { user: ctx.state.auth.username, invoices: [{ id: 1, total: 42 }] }
      } else if (ctx.method === 'POST') {
        ctx.status = 201
        const invoice = await readJson(ctx.req)
        if (invoice === undefined) ctx.throw(400, 'the body is not JSON')
        ctx.body = { createdBy: ctx.state.auth.username, invoice }
      }
    })
}

/** The request body parsed as JSON (at most 64 KiB), or undefined when it is not JSON. */
async function readJson(stream: AsyncIterable<Uint8Array>): Promise<unknown> {
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of stream) {
    size += chunk.byteLength
    if (size > 65_536) return undefined
    chunks.push(chunk)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    return undefined
  }
}

export function startServer(options: ServerOptions): Promise<RunningServer> {
  return listening(createApp(options).listen(options.port ?? 0, '127.0.0.1'))
}

if (import.meta.main) await runServer(new URL('..', import.meta.url), startServer)
