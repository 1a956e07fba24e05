// A small HTTP server for the scale-out tests: node:http + core's createAuthenticator + RedisNonceStore.
// Run as its own process (Node strips the types): AJWT_CLIENT=redis|ioredis AJWT_REDIS_URL=… node test/serve.ts
import { createAuthenticator, MemoryKeyStore } from '@ajwt/core'
import { clockFromEnv, serveAuthenticator } from '@ajwt/test-utils/serve'
import { RedisNonceStore, type RedisClient } from '../src/index.ts'

const env = process.env
const url = env.AJWT_REDIS_URL!
let client: RedisClient
if (env.AJWT_CLIENT === 'ioredis') {
  const { Redis } = await import('ioredis')
  const io = new Redis(url)
  io.on('error', () => undefined)
  client = io
} else {
  const { createClient } = await import('redis')
  const nodeRedis = createClient({ url })
  nodeRedis.on('error', () => undefined)
  await nodeRedis.connect()
  client = nodeRedis
}

const server = serveAuthenticator(
  createAuthenticator({
    keys: new MemoryKeyStore({ [env.AJWT_USERNAME!]: [env.AJWT_PUBLIC_KEY!] }),
    // A loaded CI machine may take over a second to answer 200 concurrent claims: the tests that
    // need a short timeout say so (AJWT_REDIS_TIMEOUT_MS).
    nonces: new RedisNonceStore({ client, timeoutMs: Number(env.AJWT_REDIS_TIMEOUT_MS ?? 5000) }),
    ...clockFromEnv(),
  }),
)
server.keepAliveTimeout = 60_000
