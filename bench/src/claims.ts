// What one nonce claim costs the app server in CPU, per store and client library, without HTTP:
// `node src/claims.ts` (see bench/README.md, "Shared stores"). The parent starts redis-server (and
// PostgreSQL for the postgres variants) on core 1 and runs the measurement as a child on core 0.
// The child keeps `concurrency` claims in flight (closed loop, as that many connections would) and
// reads its own CPU time (user + system, all threads, GC included) around `claims` claims, so a
// result is "µs of app CPU per claim", steadier than wall time on a shared machine. With
// `work: 'RS256' | 'EdDSA'` each claim is a whole `verifier.verify` of a distinct pool token instead.
import { readFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createVerifier, MemoryKeyStore, MemoryNonceStore, type NonceClaim, type NonceStore } from '@ajwt/core'
import { firstJsonLine, spawnOn, stop } from './processes.ts'
import { tokenPool } from './tokens.ts'
import { USERNAME, type Alg } from './types.ts'

export const CLAIM_VARIANTS = [
  'memory',
  'node-redis',
  'ioredis',
  'ioredis-autopipelining',
  'node-redis-cluster',
  'ioredis-cluster',
  'postgres',
  'node-redis-raw',
  'ioredis-raw',
  'node-redis-before',
  'ioredis-before',
] as const
export type ClaimVariant = (typeof CLAIM_VARIANTS)[number]

export interface ClaimsConfig {
  variants: ClaimVariant[]
  concurrency: number[]
  claims: number
  rounds: number
  work: 'none' | Alg
  redisUrl?: string
  clusterPort?: number
  postgresUrl?: string
  /** `…/index.ts` or `…/index.js` of another build of @ajwt/redis, for the `-before` variants. */
  beforeModule?: string
  pool?: { file: string; publicKeyPem: string; toleranceSeconds: number }
}

export interface ClaimsSample {
  variant: ClaimVariant
  concurrency: number
  /** µs of this process's CPU per claim (or per verification with `work`): median over the rounds, min, max. */
  cpuUs: number
  min: number
  max: number
  /** Of `cpuUs`, the median share spent in the kernel (system time: socket writes and reads, wake-ups). */
  systemShare: number
  /** The median's minus memory's at the same concurrency (what the store adds). */
  overMemoryUs?: number
  /** Claims per wall-clock second (median). */
  perSecond: number
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined)

async function child(config: ClaimsConfig): Promise<ClaimsSample[]> {
  const closers: (() => unknown)[] = []
  const { RedisNonceStore } = await import('@ajwt/redis')
  const before = config.beforeModule ? ((await import(pathToFileURL(config.beforeModule).href)) as typeof import('@ajwt/redis')) : undefined
  const nodeRedis = async () => {
    const { createClient } = await import('redis')
    const client = createClient({ url: config.redisUrl })
    await client.connect()
    closers.push(() => client.close())
    return client
  }
  const ioredis = async (options: { enableAutoPipelining?: boolean } = {}) => {
    const { Redis } = await import('ioredis')
    const client = new Redis(config.redisUrl!, options)
    await client.ping()
    closers.push(() => client.disconnect())
    return client
  }
  const makers: Record<ClaimVariant, () => Promise<NonceStore>> = {
    memory: async () => new MemoryNonceStore(),
    'node-redis': async () => new RedisNonceStore({ client: await nodeRedis() }),
    ioredis: async () => new RedisNonceStore({ client: await ioredis() }),
    'ioredis-autopipelining': async () => new RedisNonceStore({ client: await ioredis({ enableAutoPipelining: true }) }),
    'node-redis-cluster': async () => {
      const { createCluster } = await import('redis')
      const cluster = createCluster({ rootNodes: [{ url: `redis://127.0.0.1:${config.clusterPort}` }] })
      await cluster.connect()
      closers.push(() => cluster.close())
      return new RedisNonceStore({ client: cluster })
    },
    'ioredis-cluster': async () => {
      const { Cluster } = await import('ioredis')
      const cluster = new Cluster([{ host: '127.0.0.1', port: config.clusterPort! }])
      await cluster.ping()
      closers.push(() => cluster.disconnect())
      return new RedisNonceStore({ client: cluster })
    },
    postgres: async () => {
      const [{ default: pg }, { PostgresNonceStore }] = await Promise.all([import('pg'), import('@ajwt/postgres')])
      const pool = new pg.Pool({ connectionString: config.postgresUrl, max: 10 })
      closers.push(() => pool.end())
      const store = new PostgresNonceStore({ pool })
      await store.migrate()
      return store
    },
    // The client library alone: one SET … NX PX per claim, nothing around it.
    'node-redis-raw': async () => {
      const client = await nodeRedis()
      return { claim: async (c: NonceClaim) => ((await client.sendCommand(['SET', `raw:{${c.username}}:${c.time}:${c.nonce}`, '1', 'NX', 'PX', String(c.ttlMs)])) as unknown) === 'OK' }
    },
    'ioredis-raw': async () => {
      const client = await ioredis()
      return { claim: async (c: NonceClaim) => (await client.call('SET', `raw:{${c.username}}:${c.time}:${c.nonce}`, '1', 'NX', 'PX', String(c.ttlMs))) === 'OK' }
    },
    'node-redis-before': async () => new before!.RedisNonceStore({ client: await nodeRedis() }),
    'ioredis-before': async () => new before!.RedisNonceStore({ client: await ioredis() }),
  }

  let step: (store: NonceStore, i: number) => Promise<unknown>
  let limit = Infinity
  const verifiers = new Map<NonceStore, ReturnType<typeof createVerifier>>()
  if (config.work === 'none') {
    const time = Math.floor(Date.now() / 1000)
    const run = Date.now().toString(36)
    step = async (store, i) => {
      if (!(await store.claim({ username: USERNAME, time, nonce: `${run}-${i}`, ttlMs: 31_000 }))) throw new Error('a fresh nonce was refused')
    }
  } else {
    const { file, publicKeyPem, toleranceSeconds } = config.pool!
    const headers = readFileSync(file, 'utf8').split('\n').map((t) => `JWT ${t}`)
    limit = headers.length
    const keys = new MemoryKeyStore({ [USERNAME]: [publicKeyPem] })
    step = async (store, i) => {
      let verifier = verifiers.get(store)
      if (!verifier) verifiers.set(store, (verifier = createVerifier({ keys, nonces: store, toleranceSeconds })))
      const result = await verifier.verify(headers[i])
      if (!result.ok) throw new Error(`a pool token was refused: ${result.error.code}`)
    }
  }
  // Every variant claims its own range of nonces (pool tokens), so none is ever refused as a replay.
  let next = 0
  const take = (count: number): number => {
    const start = next
    next += count
    if (next > limit) throw new Error(`the token pool ran out (${limit}): fewer claims or rounds, or a bigger pool`)
    return start
  }
  const measure = async (store: NonceStore, concurrency: number, count: number) => {
    const start = take(count)
    let issued = 0
    const worker = async () => {
      while (issued < count) await step(store, start + issued++)
    }
    gc()
    const cpu = process.cpuUsage()
    const wall = performance.now()
    await Promise.all(Array.from({ length: concurrency }, worker))
    const used = process.cpuUsage(cpu)
    const seconds = (performance.now() - wall) / 1000
    return { cpuUs: (used.user + used.system) / count, systemShare: used.system / (used.user + used.system), perSecond: count / seconds }
  }

  const stores = new Map<ClaimVariant, NonceStore>()
  for (const variant of config.variants) stores.set(variant, await makers[variant]())
  // Warm-up: every variant at every concurrency, so that each runs optimised code.
  for (const [, store] of stores) for (const c of config.concurrency) await measure(store, c, Math.min(2000, config.claims))
  const samples = new Map<string, { cpu: number[]; system: number[]; rate: number[] }>()
  const order = [...stores.entries()]
  for (let round = 0; round < config.rounds; round++) {
    for (const [variant, store] of [...order.slice(round % order.length), ...order.slice(0, round % order.length)]) {
      for (const concurrency of config.concurrency) {
        const { cpuUs, systemShare, perSecond } = await measure(store, concurrency, config.claims)
        const key = `${variant}@${concurrency}`
        const sample = samples.get(key) ?? { cpu: [], system: [], rate: [] }
        sample.cpu.push(cpuUs)
        sample.system.push(systemShare)
        sample.rate.push(perSecond)
        samples.set(key, sample)
      }
    }
  }
  for (const close of closers) await close()
  const results: ClaimsSample[] = []
  for (const variant of config.variants) {
    for (const concurrency of config.concurrency) {
      const { cpu, system, rate } = samples.get(`${variant}@${concurrency}`)!
      results.push({ variant, concurrency, cpuUs: median(cpu), min: Math.min(...cpu), max: Math.max(...cpu), systemShare: median(system), perSecond: median(rate) })
    }
  }
  for (const r of results) {
    const memory = results.find((m) => m.variant === 'memory' && m.concurrency === r.concurrency)
    if (memory && r !== memory) r.overMemoryUs = r.cpuUs - memory.cpuUs
  }
  return results
}

/** The table `node src/claims.ts` prints. */
export function claimsTable(samples: ClaimsSample[], work: ClaimsConfig['work']): string {
  const unit = work === 'none' ? 'claim' : `${work} verification`
  const lines = [
    `| store / client | in flight | µs CPU per ${unit} (median) | min–max | kernel share | − memory | ${work === 'none' ? 'claims' : 'verifications'}/s (wall) |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const s of samples) {
    lines.push(
      `| ${s.variant} | ${s.concurrency} | ${s.cpuUs.toFixed(2)} | ${s.min.toFixed(2)}–${s.max.toFixed(2)} | ${Math.round(s.systemShare * 100)} % | ${s.overMemoryUs === undefined ? '' : `${s.overMemoryUs >= 0 ? '+' : ''}${s.overMemoryUs.toFixed(2)}`} | ${Math.round(s.perSecond).toLocaleString('en-US')} |`,
    )
  }
  return lines.join('\n')
}

const SELF = fileURLToPath(import.meta.url)

/** Starts the servers the variants need, runs the child on core 0, stops everything. */
export async function runClaims(options: Omit<ClaimsConfig, 'redisUrl' | 'clusterPort' | 'postgresUrl' | 'pool'> & { cacheDir: string; log: (line: string) => void }): Promise<ClaimsSample[]> {
  const { log, cacheDir, ...config } = options
  const full: ClaimsConfig = { ...config }
  const stops: (() => Promise<unknown>)[] = []
  try {
    if (config.variants.some((v) => v.includes('redis') && !v.includes('cluster'))) {
      const { startRedis } = await import('./redis-server.ts')
      const redis = await startRedis(1)
      stops.push(() => redis.stop())
      full.redisUrl = redis.url
    }
    if (config.variants.some((v) => v.includes('cluster'))) {
      const { startRedisCluster } = await import('./redis-server.ts')
      const cluster = await startRedisCluster(1)
      stops.push(() => cluster.stop())
      full.clusterPort = cluster.port
    }
    if (config.variants.includes('postgres')) {
      const { startPostgres } = await import('@ajwt/test-utils/postgres-server')
      const postgres = await startPostgres()
      stops.push(() => postgres.stop())
      full.postgresUrl = postgres.url
    }
    if (config.work !== 'none') {
      const perVariant = (config.rounds * config.concurrency.length + config.concurrency.length) * config.claims
      const pool = await tokenPool(cacheDir, config.work, perVariant * config.variants.length + 1000, 3600, 600, log)
      full.pool = { file: pool.file, publicKeyPem: pool.meta.publicKeyPem, toleranceSeconds: 3600 }
    }
    const child = spawnOn(0, process.execPath, ['--expose-gc', '--disable-warning=ExperimentalWarning', SELF, '--child', JSON.stringify(full)])
    try {
      return (await firstJsonLine<{ samples: ClaimsSample[] }>(child, 1800, 'claims micro-benchmark')).samples
    } finally {
      await stop(child)
    }
  } finally {
    for (const s of stops.reverse()) await s().catch(() => undefined)
  }
}

if (process.argv[2] === '--child') {
  const samples = await child(JSON.parse(process.argv[3]!) as ClaimsConfig)
  process.stdout.write(`${JSON.stringify({ samples })}\n`)
} else if (process.argv[1] === SELF) {
  const env = process.env
  const variants = (env.AJWT_CLAIMS_VARIANTS ?? 'memory,node-redis,ioredis').split(',').map((v) => v.trim()) as ClaimVariant[]
  for (const v of variants) if (!CLAIM_VARIANTS.includes(v)) throw new Error(`AJWT_CLAIMS_VARIANTS: unknown "${v}" (one of ${CLAIM_VARIANTS.join(', ')})`)
  const work = (env.AJWT_CLAIMS_WORK ?? 'none') as ClaimsConfig['work']
  const log = (line: string): void => void process.stderr.write(`${line}\n`)
  const samples = await runClaims({
    variants,
    concurrency: (env.AJWT_CLAIMS_CONCURRENCY ?? '1,10,50').split(',').map(Number),
    claims: Number(env.AJWT_CLAIMS_N ?? 20_000),
    rounds: Number(env.AJWT_BENCH_ROUNDS ?? 3),
    work,
    ...(env.AJWT_CLAIMS_BEFORE ? { beforeModule: env.AJWT_CLAIMS_BEFORE } : {}),
    cacheDir: env.AJWT_BENCH_CACHE ?? fileURLToPath(new URL('../.cache', import.meta.url)),
    log,
  })
  process.stdout.write(`${claimsTable(samples, work)}\n`)
  if (env.AJWT_CLAIMS_JSON) process.stdout.write(`${JSON.stringify(samples)}\n`)
}
