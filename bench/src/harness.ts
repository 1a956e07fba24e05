// Runs the configurations interleaved (round 1: A B C …, round 2: B C … A, …): each server a child
// process on core 0, autocannon a child process on core 1, a fresh server (fresh nonce store)
// per run, the same pre-signed token pool for every configuration of an algorithm.
import { fileURLToPath } from 'node:url'
import type { LoadConfig, LoadResult } from './load.ts'
import { firstJsonLine, spawnOn, stop } from './processes.ts'
import { startPostgres, type RunningPostgres } from './postgres-server.ts'
import { startRedis, type RunningRedis } from './redis-server.ts'
import type { ServerConfig } from './server.ts'
import { tokenPool, type Pool } from './tokens.ts'
import { PEERS, ROUTE, schemeOf, type Alg, type Framework, type Kind } from './types.ts'

export interface HttpOptions {
  frameworks: readonly Framework[]
  algs: readonly Alg[]
  kinds: readonly Kind[]
  seconds: number
  warmupSeconds: number
  rounds: number
  connections: number
  /** Time window of every verifier, and `exp - time` of every token: longer than the whole run. */
  toleranceSeconds: number
  /** Sizes the token pool: (warmup + seconds) × this many requests per second at most. */
  maxRps: number
  cacheDir: string
  /** Write V8 CPU profiles of the servers here (`--cpu-prof`). */
  cpuProfDir?: string
  log: (line: string) => void
}

export interface Probe {
  /** A valid, fresh token. */
  valid: number
  /** The same token again. */
  replay: number
  /** Another token's signature on these claims. */
  forged: number
  /** Signed by a key the server does not know. */
  otherKey: number
  /** No Authorization header. */
  missing: number
}

export interface ConfigResult {
  framework: Framework
  alg: Alg
  kind: Kind
  /** What runs: the peer's package name, `ajwt + MemoryNonceStore`, … */
  label: string
  available: boolean
  reason?: string
  probe?: Probe
  runs: (LoadResult & { round: number })[]
  failures: string[]
}

const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url))
const LOAD = fileURLToPath(new URL('./load.ts', import.meta.url))
const ADAPTER: Record<Framework, string> = { express: '@ajwt/express', koa: '@ajwt/koa', fastify: '@ajwt/fastify', hono: '@ajwt/hono' }

function labelOf(framework: Framework, kind: Kind): string {
  switch (kind) {
    case 'bare':
      return `${framework}, no auth`
    case 'ceiling':
      return 'node:crypto by hand'
    case 'peer':
      return PEERS[framework].name
    case 'ajwt-memory':
      return `${ADAPTER[framework]} + MemoryNonceStore`
    case 'ajwt-redis':
      return `${ADAPTER[framework]} + RedisNonceStore (node-redis)`
    case 'ajwt-ioredis':
      return `${ADAPTER[framework]} + RedisNonceStore (ioredis)`
    case 'ajwt-postgres':
      return `${ADAPTER[framework]} + PostgresNonceStore (pg)`
  }
}

async function importable(specifier: string): Promise<string | undefined> {
  try {
    await import(specifier)
    return undefined
  } catch (error) {
    return `${specifier} cannot be imported (not built yet?): ${(error as Error).message.split('\n')[0]}`
  }
}

/** Which configurations can run, and why the others cannot. */
export async function plan(options: Pick<HttpOptions, 'frameworks' | 'algs' | 'kinds'>): Promise<ConfigResult[]> {
  const configs: ConfigResult[] = []
  const usesRedis = options.kinds.includes('ajwt-redis') || options.kinds.includes('ajwt-ioredis')
  const redisReason = usesRedis ? await importable('@ajwt/redis') : undefined
  const postgresReason = options.kinds.includes('ajwt-postgres') ? await importable('@ajwt/postgres') : undefined
  for (const framework of options.frameworks) {
    const adapterReason = await importable(ADAPTER[framework])
    options.algs.forEach((alg, index) => {
      for (const kind of options.kinds) {
        // The bare route does not depend on the algorithm: it runs once, with the first one's tokens.
        if (kind === 'bare' && index > 0) continue
        let reason: string | undefined
        if (kind === 'peer' && !PEERS[framework].algs.includes(alg)) reason = PEERS[framework].note ?? `${PEERS[framework].name} cannot verify ${alg}`
        if (kind.startsWith('ajwt')) reason = adapterReason
        if (kind === 'ajwt-redis' || kind === 'ajwt-ioredis') reason ??= redisReason
        if (kind === 'ajwt-postgres') reason ??= postgresReason
        const config: ConfigResult = { framework, alg, kind, label: labelOf(framework, kind), available: reason === undefined, runs: [], failures: [] }
        if (reason !== undefined) config.reason = reason
        configs.push(config)
      }
    })
  }
  return configs
}

async function status(url: string, authorization?: string): Promise<number> {
  const response = await fetch(url, { headers: authorization ? { authorization } : {}, signal: AbortSignal.timeout(10_000) })
  await response.arrayBuffer()
  return response.status
}

async function probe(url: string, kind: Kind, pool: Pool): Promise<Probe> {
  const scheme = `${schemeOf(kind)} `
  const [valid] = pool.meta.probes.valid
  const first = await status(url, scheme + valid)
  return {
    valid: first,
    replay: await status(url, scheme + valid),
    forged: await status(url, scheme + pool.meta.probes.forged),
    otherKey: await status(url, scheme + pool.meta.probes.otherKey),
    missing: await status(url),
  }
}

/** Runs every available configuration `rounds` times, interleaved; fills in `runs`, `probe`, `failures`. */
export async function runHttp(options: HttpOptions, configs: ConfigResult[]): Promise<{ pools: Record<string, { size: number; t0: number }> }> {
  const { log } = options
  const runnable = configs.filter((c) => c.available)
  const pools = new Map<Alg, Pool>()
  const poolSize = Math.ceil((options.warmupSeconds + options.seconds) * options.maxRps)
  const perRun = options.warmupSeconds + options.seconds + 2
  const reserve = runnable.length * options.rounds * perRun + 300
  if (reserve >= options.toleranceSeconds) {
    throw new Error(`the run takes ~${reserve} s: raise AJWT_BENCH_TOLERANCE above that (now ${options.toleranceSeconds} s)`)
  }
  for (const alg of options.algs) {
    if (runnable.some((c) => c.alg === alg)) pools.set(alg, await tokenPool(options.cacheDir, alg, poolSize, options.toleranceSeconds, reserve, log))
  }
  let redis: RunningRedis | undefined
  let postgres: RunningPostgres | undefined
  if (runnable.some((c) => c.kind === 'ajwt-redis' || c.kind === 'ajwt-ioredis')) {
    redis = await startRedis(1)
    log(`redis-server at ${redis.url}`)
  }
  try {
    if (runnable.some((c) => c.kind === 'ajwt-postgres')) {
      postgres = await startPostgres(1)
      log(`PostgreSQL at ${postgres.url}`)
    }
    for (let round = 0; round < options.rounds; round++) {
      // Rotate the order within each framework so that no configuration always runs first.
      for (const framework of options.frameworks) {
        const group = runnable.filter((c) => c.framework === framework)
        const shift = group.length ? round % group.length : 0
        for (const config of [...group.slice(shift), ...group.slice(0, shift)]) {
          await runOnce(options, config, pools.get(config.alg)!, { redis, postgres }, round)
        }
      }
    }
  } finally {
    await redis?.stop()
    await postgres?.stop()
  }
  const summary: Record<string, { size: number; t0: number }> = {}
  for (const [alg, pool] of pools) summary[alg] = { size: pool.meta.size, t0: pool.meta.t0 }
  return { pools: summary }
}

async function runOnce(
  options: HttpOptions,
  config: ConfigResult,
  pool: Pool,
  { redis, postgres }: { redis: RunningRedis | undefined; postgres: RunningPostgres | undefined },
  round: number,
): Promise<void> {
  const name = `${config.framework} ${config.kind} ${config.kind === 'bare' ? '' : config.alg}`.trim()
  if (config.kind === 'ajwt-redis' || config.kind === 'ajwt-ioredis') await redis!.flush()
  if (config.kind === 'ajwt-postgres') await postgres!.flush()
  const serverConfig: ServerConfig = {
    framework: config.framework,
    kind: config.kind,
    alg: config.alg,
    publicKeyPem: pool.meta.publicKeyPem,
    toleranceSeconds: options.toleranceSeconds,
    maxSeconds: options.warmupSeconds + options.seconds + 120,
  }
  if (redis) serverConfig.redisUrl = redis.url
  if (postgres) serverConfig.postgresUrl = postgres.url
  const nodeArgs = ['--disable-warning=ExperimentalWarning']
  if (options.cpuProfDir) {
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`, `--cpu-prof-name=${name.replaceAll(' ', '-')}-r${round + 1}.cpuprofile`)
  }
  let server = spawnOn(0, process.execPath, [...nodeArgs, SERVER, JSON.stringify(serverConfig)])
  try {
    let port: number
    for (let attempt = 1; ; attempt++) {
      try {
        ;({ port } = await firstJsonLine<{ port: number }>(server, 30, `${name} server`))
        break
      } catch (error) {
        // A workspace package being rebuilt at this moment (its dist briefly missing): try again.
        if (attempt >= 4 || !String((error as Error).message).includes('ERR_MODULE_NOT_FOUND')) throw error
        options.log(`${name}: a package is missing (being rebuilt?), retrying in 5 s`)
        await stop(server)
        await new Promise((r) => setTimeout(r, 5000))
        server = spawnOn(0, process.execPath, [...nodeArgs, SERVER, JSON.stringify(serverConfig)])
      }
    }
    const url = `http://127.0.0.1:${port}${ROUTE}`
    if (round === 0) config.probe = await probe(url, config.kind, pool)
    const loadConfig: LoadConfig = {
      url,
      tokensFile: pool.file,
      scheme: schemeOf(config.kind),
      connections: options.connections,
      warmupSeconds: options.warmupSeconds,
      seconds: options.seconds,
    }
    if (config.kind === 'bare') loadConfig.recycle = true
    if (server.pid !== undefined) loadConfig.serverPid = server.pid
    const load = spawnOn(1, process.execPath, ['--disable-warning=ExperimentalWarning', LOAD, JSON.stringify(loadConfig)])
    try {
      const result = await firstJsonLine<LoadResult>(load, options.warmupSeconds + options.seconds + 60, `${name} load`)
      config.runs.push({ ...result, round })
      const flags = [result.non2xx ? `${result.non2xx} non-2xx` : '', result.errors ? `${result.errors} errors` : '', result.poolLimited ? 'pool ran out' : '']
        .filter(Boolean)
        .join(', ')
      options.log(`round ${round + 1} ${name.padEnd(28)} ${Math.round(result.rps).toString().padStart(6)} req/s ${Math.round(result.rpsPerCpu ?? 0).toString().padStart(6)} req/cpu-s  p99 ${result.p99.toFixed(2)} ms ${flags}`)
    } finally {
      await stop(load)
    }
  } catch (error) {
    config.failures.push(`round ${round + 1}: ${(error as Error).message}`)
    options.log(`round ${round + 1} ${name}: FAILED ${(error as Error).message.split('\n')[0]}`)
  } finally {
    await stop(server)
  }
}
