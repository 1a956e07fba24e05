// A small HTTP server for the scale-out tests: node:http + core's createAuthenticator + both
// PostgreSQL stores. Run as its own process (Node strips the types): AJWT_DATABASE_URL=… node test/serve.ts
import { createAuthenticator } from '@ajwt/core'
import { clockFromEnv, serveAuthenticator } from '@ajwt/test-utils/serve'
import pg from 'pg'
import { PostgresKeyStore, PostgresNonceStore } from '../src/index.ts'

const pool = new pg.Pool({ connectionString: process.env.AJWT_DATABASE_URL, max: 5, connectionTimeoutMillis: 10_000 })
pool.on('error', () => undefined)
const keys = new PostgresKeyStore({ pool, cacheTtlMs: Number(process.env.AJWT_CACHE_TTL_MS ?? 5000) })
const server = serveAuthenticator(createAuthenticator({ keys, nonces: new PostgresNonceStore({ pool, timeoutMs: 10_000 }), onVerified: keys.recordUse, ...clockFromEnv() }))
const shutdown = () => {
  server.close()
  void keys
    .close()
    .catch(() => undefined)
    .then(() => pool.end())
    .finally(() => process.exit(0))
}
process.on('SIGTERM', shutdown)
