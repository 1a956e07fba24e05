// A small HTTP server for the scale-out tests: node:http + core's createAuthenticator + RedisNonceStore.
// Run as its own process (Node strips the types): AJWT_CLIENT=redis|ioredis AJWT_REDIS_URL=… node test/serve.ts
import { createServer } from 'node:http'
import { createAuthenticator, MemoryKeyStore } from '@ajwt/core'
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

const authenticate = createAuthenticator({
  keys: new MemoryKeyStore({ [env.AJWT_USERNAME!]: [env.AJWT_PUBLIC_KEY!] }),
  nonces: new RedisNonceStore({ client }),
})

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
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`)
})
// Never outlive the test run, whatever happens to the parent.
setTimeout(() => process.exit(2), 180_000).unref()
process.on('disconnect', () => process.exit(0))
