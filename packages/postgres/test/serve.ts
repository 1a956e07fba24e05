// A small HTTP server for the scale-out tests: node:http + core's createAuthenticator + both
// PostgreSQL stores. Run as its own process (Node strips the types): AJWT_DATABASE_URL=… node test/serve.ts
import { createServer } from 'node:http'
import { createAuthenticator } from '@ajwt/core'
import pg from 'pg'
import { PostgresKeyStore, PostgresNonceStore } from '../src/index.ts'

const pool = new pg.Pool({ connectionString: process.env.AJWT_DATABASE_URL, max: 5, connectionTimeoutMillis: 2000 })
pool.on('error', () => undefined)
const keys = new PostgresKeyStore({ pool, cacheTtlMs: Number(process.env.AJWT_CACHE_TTL_MS ?? 5000) })
const authenticate = createAuthenticator({ keys, nonces: new PostgresNonceStore({ pool }), onVerified: keys.recordUse })

const server = createServer((req, res) => {
  void authenticate(req.headers.authorization).then((result) => {
    if (result.ok) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ username: result.auth?.username }))
    } else {
      res
        .writeHead(result.error.status, { ...result.error.headers, 'content-type': 'application/json' })
        .end(JSON.stringify({ ...result.error.body, code: result.error.code }))
    }
  })
})
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`)
})
const shutdown = () => {
  server.close()
  void keys
    .close()
    .catch(() => undefined)
    .then(() => pool.end())
    .finally(() => process.exit(0))
}
process.on('SIGTERM', shutdown)
// Never outlive the test run, whatever happens to the parent.
setTimeout(() => process.exit(2), 180_000).unref()
process.on('disconnect', () => process.exit(0))
