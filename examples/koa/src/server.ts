// A Koa 3 API protected by ajwt.
//   node src/server.ts            listens on 127.0.0.1:3000 (PORT to change), trusts .keys/billing.pub
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type AjwtError, isAjwtError, MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
import { ajwt } from '@ajwt/koa'
import Koa from 'koa'
import { loadKeyPair, USERNAME } from './keys.ts'

export interface ServerOptions {
  /** Trusted public keys per username (PEM, OpenSSH or JWK). */
  publicKeys: Record<string, string[]>
  port?: number
  host?: string
  /** Where rejection reasons go (never to the client). */
  log?: (line: string) => void
}

export function createApp({ publicKeys, log = console.log }: ServerOptions): Koa {
  const app = new Koa()
  // Answer ajwt rejections with their JSON body (Koa's default is a text "Unauthorized") and keep
  // them out of Koa's error log: onRejected below already logs the reason.
  app.use(async (ctx, next) => {
    try {
      await next()
    } catch (error) {
      if (!isAjwtError(error)) throw error
      ctx.status = error.status
      ctx.set(error.headers)
      ctx.body = error.body
    }
  })
  app.use(async (ctx, next) => {
    if (ctx.path === '/health') ctx.body = { ok: true }
    else await next()
  })
  return app
    .use(
      ajwt({
        keys: new MemoryKeyStore(publicKeys),
        // One process: memory is enough. Several processes or machines: RedisNonceStore or PostgresNonceStore.
        nonces: new MemoryNonceStore(),
        onRejected: (error: AjwtError) => log(`rejected: ${error.code} (${error.detail})`),
      }),
    )
    .use(async (ctx) => {
      if (ctx.path !== '/api/invoices') return
      if (ctx.method === 'GET') {
        ctx.body = { hello: ctx.state.auth.username, invoices: [{ id: 1, total: 42 }] }
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

/** Starts the server; port 0 picks a free port. */
export async function startServer(options: ServerOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const app = createApp(options)
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve(listening))
    listening.once('error', reject)
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
