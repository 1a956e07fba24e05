// One configuration as a child process: `node src/server.ts '<json>'`. Prints `{"port":N}` once
// listening, and exits on SIGTERM, when its parent goes away, or after its time limit.
import { pathToFileURL } from 'node:url'
import * as installed from '@ajwt/core'
import type { NonceStore } from '@ajwt/core'
import { USERNAME, type Alg, type Framework, type Kind, type ServerContext, type StartServer } from './types.ts'

export interface ServerConfig {
  framework: Framework
  kind: Kind
  alg: Alg
  publicKeyPem: string
  toleranceSeconds: number
  redisUrl?: string
  postgresUrl?: string
  maxSeconds: number
}

const config = JSON.parse(process.argv[2] ?? '{}') as ServerConfig
const limit = setTimeout(() => process.exit(3), config.maxSeconds * 1000)
limit.unref()

// AJWT_BENCH_CORE=<path to a core dist/index.js>: measure a candidate build of @ajwt/core through
// the installed adapters (handed over as `{ verifier }`), e.g. before and after a change.
const core = (process.env.AJWT_BENCH_CORE ? await import(process.env.AJWT_BENCH_CORE) : installed) as typeof installed
const closers: (() => Promise<unknown>)[] = []
const context: ServerContext = {
  kind: config.kind,
  alg: config.alg,
  publicKeyPem: config.publicKeyPem,
  toleranceSeconds: config.toleranceSeconds,
}
if (config.kind.startsWith('ajwt-')) {
  let nonces: NonceStore
  // AJWT_BENCH_REDIS=<path to another build of @ajwt/redis (`…/dist/index.js` or `…/src/index.ts`)>:
  // measure a candidate RedisNonceStore, e.g. before and after a change.
  const redisModule = (): Promise<typeof import('@ajwt/redis')> =>
    process.env.AJWT_BENCH_REDIS ? import(pathToFileURL(process.env.AJWT_BENCH_REDIS).href) : import('@ajwt/redis')
  if (config.kind === 'ajwt-redis') {
    const [{ createClient }, { RedisNonceStore }] = await Promise.all([import('redis'), redisModule()])
    const client = createClient({ url: config.redisUrl })
    await client.connect()
    closers.push(() => client.close())
    nonces = new RedisNonceStore({ client })
  } else if (config.kind === 'ajwt-ioredis') {
    const [{ Redis }, { RedisNonceStore }] = await Promise.all([import('ioredis'), redisModule()])
    const client = new Redis(config.redisUrl!)
    await client.ping()
    closers.push(async () => client.disconnect())
    nonces = new RedisNonceStore({ client })
  } else if (config.kind === 'ajwt-postgres') {
    const [{ default: pg }, { PostgresNonceStore }] = await Promise.all([import('pg'), import('@ajwt/postgres')])
    const pool = new pg.Pool({ connectionString: config.postgresUrl, max: 10, connectionTimeoutMillis: 2000 })
    pool.on('error', () => undefined)
    closers.push(() => pool.end())
    const store = new PostgresNonceStore({ pool })
    await store.migrate()
    nonces = store
  } else {
    nonces = new core.MemoryNonceStore()
  }
  const keys = new core.MemoryKeyStore({ [USERNAME]: [config.publicKeyPem] })
  context.ajwt =
    core === installed
      ? { keys, nonces, toleranceSeconds: config.toleranceSeconds }
      : { verifier: core.createVerifier({ keys, nonces, toleranceSeconds: config.toleranceSeconds }) }
}

const module = config.kind.startsWith('ajwt') ? 'ajwt' : config.kind
const { start } = (await import(`./servers/${config.framework}-${module}.ts`)) as { start: StartServer }
const server = await start(context)
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`)

let stopping = false
const stop = async (): Promise<void> => {
  if (stopping) return
  stopping = true
  await Promise.race([Promise.allSettled([server.close(), ...closers.map((close) => close())]), new Promise((r) => setTimeout(r, 2000))])
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
// The parent holds our stdin open; when it dies, stdin ends and we go too.
process.stdin.on('end', () => void stop())
process.stdin.resume()
