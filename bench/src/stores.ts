// `pnpm --filter @ajwt/bench stores` = `node src/stores.ts`: what a shared nonce store costs an ajwt
// server, as requests per server CPU-second against ajwt + MemoryNonceStore, measured the way that
// survives a shared machine (and, with AJWT_BENCH_KINDS=ajwt-memory,ceiling,peer, ajwt + Memory
// against the hand-written ceiling and the peer, the same way): per framework, algorithm and round,
// one server per kind runs at once on core 0 (fresh processes; Redis flushed, Postgres truncated), and one load child on core 1 sends
// short blocks to each in turn (M R I P, then R I P M, …), reading each server's CPU time (schedstat,
// all threads) around its block. Each ratio compares blocks made seconds apart, not runs minutes
// apart. Writes stores.{json,md} into AJWT_BENCH_OUT (default bench/results). See bench/README.md.
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cpuSecondsOf, firstJsonLine, machineLine, machineMeta, spawnOn, statTimesOf, stop } from './processes.ts'
import { rotatedBlocks, tokenLoad, type PoolCursor } from './token-load.ts'
import { startPostgres, type RunningPostgres } from './postgres-server.ts'
import { startRedis, type RunningRedis } from './redis-server.ts'
import type { ServerConfig } from './server.ts'
import { tokenPool } from './tokens.ts'
import { ALGS, FRAMEWORKS, PEERS, ROUTE, schemeOf, type Alg, type Framework, type Kind } from './types.ts'
import { envList } from './env-list.ts'

const STORE_KINDS = ['ajwt-memory', 'ajwt-redis', 'ajwt-ioredis', 'ajwt-postgres'] as const satisfies readonly Kind[]
/** What `stores` can put beside ajwt + Memory: the shared stores (the default), the ceiling and the peer. */
const COMPARED_KINDS = [...STORE_KINDS, 'ceiling', 'peer'] as const satisfies readonly Kind[]
type StoreKind = (typeof COMPARED_KINDS)[number]
const NAMES: Record<Exclude<StoreKind, 'peer'>, string> = {
  'ajwt-memory': 'MemoryNonceStore',
  'ajwt-redis': 'RedisNonceStore, node-redis',
  'ajwt-ioredis': 'RedisNonceStore, ioredis',
  'ajwt-postgres': 'PostgresNonceStore, pg',
  ceiling: 'ceiling: node:crypto by hand',
}
const nameOf = (kind: StoreKind, framework: Framework): string => (kind === 'peer' ? `peer: ${PEERS[framework].name}` : NAMES[kind])
/**
 * Redis ≥ 0.9× Memory (both clients); Postgres is reported without a target. The ceiling and the
 * peer are the references: for them the ratio is Memory / it (ajwt ≥ 0.95× the ceiling, ≥ 1.0× the peer).
 */
const TARGET: Partial<Record<StoreKind, number>> = { 'ajwt-redis': 0.9, 'ajwt-ioredis': 0.9, ceiling: 0.95, peer: 1 }
const REFERENCES: ReadonlySet<StoreKind> = new Set(['ceiling', 'peer'])
/** What a kind's ratio divides. */
const ratioOf = (kind: StoreKind): string => (REFERENCES.has(kind) ? 'Memory / it' : 'it / Memory')

interface LoadChildConfig {
  servers: { kind: StoreKind; url: string; pid: number }[]
  tokensFile: string
  connections: number
  warmupSeconds: number
  blockSeconds: number
  cycles: number
}

export interface StoreBlock {
  kind: StoreKind
  cycle: number
  requests: number
  seconds: number
  cpuSeconds: number
  /** Of cpuSeconds, in the kernel (stime, 10 ms ticks): system calls, the network stack, wake-ups. */
  kernelSeconds: number
  non2xx: number
  errors: number
  timeouts: number
  poolLimited: boolean
}

async function loadChild(config: LoadChildConfig): Promise<StoreBlock[]> {
  const { default: autocannon } = await import('autocannon')
  const tokens = readFileSync(config.tokensFile, 'utf8').split('\n')
  // Every server has a store of its own (the two Redis clients use two databases): each walks the
  // pool from the start, and never sends a token twice.
  const cursors = new Map<StoreKind, PoolCursor>(config.servers.map((s) => [s.kind, { next: 0 }]))
  const run = async (server: LoadChildConfig['servers'][number], seconds: number, cycle: number): Promise<StoreBlock> => {
    const instance = autocannon(
      tokenLoad(server.url, tokens, cursors.get(server.kind)!, { connections: config.connections, seconds, prefix: `${schemeOf(server.kind)} ` }),
    )
    const before = cpuSecondsOf(server.pid)?.seconds ?? Number.NaN
    const kernelBefore = statTimesOf(server.pid)?.kernel ?? Number.NaN
    const result = await instance
    const cpuSeconds = (cpuSecondsOf(server.pid)?.seconds ?? Number.NaN) - before
    const kernelSeconds = (statTimesOf(server.pid)?.kernel ?? Number.NaN) - kernelBefore
    return {
      kind: server.kind,
      cycle,
      requests: result.requests.total,
      seconds: result.duration,
      cpuSeconds,
      kernelSeconds,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      poolLimited: result.duration < seconds - 0.2,
    }
  }
  return rotatedBlocks(config.servers, config, run)
}

export interface StoresOptions {
  frameworks: Framework[]
  algs: Alg[]
  kinds: StoreKind[]
  rounds: number
  cycles: number
  blockSeconds: number
  warmupSeconds: number
  connections: number
  maxRps: number
  cacheDir: string
  cpuProfDir?: string
  log: (line: string) => void
}

export interface StoreRatio {
  framework: Framework
  alg: Alg
  kind: StoreKind
  /** req/CPU-s over every block of this kind (all rounds pooled). */
  perCpu: number
  /** Kernel CPU µs per request over the same blocks (pooled); undefined when stime was not readable. */
  kernelMicros?: number
  /**
   * kind / memory req/CPU-s per cycle (memory / kind for the ceiling and the peer; the blocks of one
   * cycle are seconds apart): median, quartiles, extremes, count.
   */
  ratio?: { median: number; p25: number; p75: number; min: number; max: number; n: number }
  target?: number
  met?: boolean
}

export interface StoresResults {
  meta: Omit<StoresOptions, 'log' | 'cacheDir' | 'cpuProfDir'> & { date: string; node: string; cpu: string; cores: number; pinned: boolean; loadAverage: { start: number[]; end: number[] }; wallSeconds: number }
  blocks: (StoreBlock & { framework: Framework; alg: Alg; round: number })[]
  ratios: StoreRatio[]
  failures: string[]
}

const quantile = (sorted: number[], q: number): number => {
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

export function storeRatios(blocks: StoresResults['blocks']): StoreRatio[] {
  const ratios: StoreRatio[] = []
  const groups = new Map<string, StoresResults['blocks']>()
  for (const b of blocks) {
    const key = `${b.framework}|${b.alg}`
    groups.set(key, [...(groups.get(key) ?? []), b])
  }
  for (const group of groups.values()) {
    const { framework, alg } = group[0]!
    for (const kind of COMPARED_KINDS) {
      const mine = group.filter((b) => b.kind === kind)
      if (mine.length === 0) continue
      const counted = mine.filter((b) => b.requests > 0 && b.cpuSeconds > 0)
      const perCpu = counted.reduce((s, b) => s + b.requests, 0) / counted.reduce((s, b) => s + b.cpuSeconds, 0)
      const kernel = counted.reduce((s, b) => s + b.kernelSeconds, 0)
      const r: StoreRatio = { framework, alg, kind, perCpu }
      if (Number.isFinite(kernel)) r.kernelMicros = (kernel * 1e6) / counted.reduce((s, b) => s + b.requests, 0)
      if (kind !== 'ajwt-memory') {
        const values: number[] = []
        for (const b of mine) {
          const memory = group.find((m) => m.kind === 'ajwt-memory' && m.round === b.round && m.cycle === b.cycle)
          // A block that failed (no answers, no CPU time read) is reported under failures, not averaged in.
          if (!(b.requests > 0 && b.cpuSeconds > 0 && memory && memory.requests > 0 && memory.cpuSeconds > 0)) continue
          const ratio = b.requests / b.cpuSeconds / (memory.requests / memory.cpuSeconds)
          values.push(REFERENCES.has(kind) ? 1 / ratio : ratio)
        }
        if (values.length) {
          values.sort((a, c) => a - c)
          r.ratio = { median: quantile(values, 0.5), p25: quantile(values, 0.25), p75: quantile(values, 0.75), min: values[0]!, max: values[values.length - 1]!, n: values.length }
          const target = TARGET[kind]
          if (target !== undefined) {
            r.target = target
            r.met = r.ratio.median >= target
          }
        }
      }
      ratios.push(r)
    }
  }
  return ratios
}

const SELF = fileURLToPath(import.meta.url)
const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url))

export async function runStores(options: StoresOptions): Promise<StoresResults> {
  const started = Date.now()
  const loadStart = loadavg()
  const { log } = options
  const results: StoresResults = {
    meta: {
      frameworks: options.frameworks,
      algs: options.algs,
      kinds: options.kinds,
      rounds: options.rounds,
      cycles: options.cycles,
      blockSeconds: options.blockSeconds,
      warmupSeconds: options.warmupSeconds,
      connections: options.connections,
      maxRps: options.maxRps,
      ...machineMeta(started, loadStart),
      wallSeconds: 0,
    },
    blocks: [],
    ratios: [],
    failures: [],
  }
  const toleranceSeconds = 3600
  const poolSize = Math.ceil((options.warmupSeconds + options.cycles * options.blockSeconds) * options.maxRps)
  const usesRedis = options.kinds.some((k) => k === 'ajwt-redis' || k === 'ajwt-ioredis')
  let redis: RunningRedis | undefined
  let postgres: RunningPostgres | undefined
  try {
    if (usesRedis) redis = await startRedis(1)
    if (options.kinds.includes('ajwt-postgres')) postgres = await startPostgres(1)
    for (const alg of options.algs) {
      const perRound = options.kinds.length * (options.warmupSeconds + options.cycles * options.blockSeconds + 1) + 10
      const pool = await tokenPool(options.cacheDir, alg, poolSize, toleranceSeconds, perRound * options.rounds * options.frameworks.length + 300, log)
      for (let round = 0; round < options.rounds; round++) {
        for (const framework of options.frameworks) {
          await redis?.flush()
          await postgres?.flush()
          const servers: { kind: StoreKind; url: string; pid: number; child: ReturnType<typeof spawnOn> }[] = []
          try {
            // A peer whose JWT library lacks the algorithm is left out (the main bench lists why).
            for (const kind of options.kinds.filter((k) => k !== 'peer' || PEERS[framework].algs.includes(alg))) {
              const config: ServerConfig = { framework, kind, alg, publicKeyPem: pool.meta.publicKeyPem, toleranceSeconds, maxSeconds: perRound + 120 }
              // node-redis and ioredis each get a database of their own: the same token may go to both.
              if (redis) config.redisUrl = `${redis.url}/${kind === 'ajwt-ioredis' ? 1 : 0}`
              if (postgres) config.postgresUrl = postgres.url
              const nodeArgs = ['--disable-warning=ExperimentalWarning']
              if (options.cpuProfDir) nodeArgs.push('--cpu-prof', '--cpu-prof-interval=250', `--cpu-prof-dir=${options.cpuProfDir}`, `--cpu-prof-name=stores-${framework}-${kind}-${alg}-r${round + 1}.cpuprofile`)
              const child = spawnOn(0, process.execPath, [...nodeArgs, SERVER, JSON.stringify(config)])
              const { port } = await firstJsonLine<{ port: number }>(child, 30, `${framework} ${kind} ${alg} server`)
              servers.push({ kind, url: `http://127.0.0.1:${port}${ROUTE}`, pid: child.pid!, child })
            }
            const loadConfig: LoadChildConfig = {
              servers: servers.map(({ kind, url, pid }) => ({ kind, url, pid })),
              tokensFile: pool.file,
              connections: options.connections,
              warmupSeconds: options.warmupSeconds,
              blockSeconds: options.blockSeconds,
              cycles: options.cycles,
            }
            const load = spawnOn(1, process.execPath, ['--disable-warning=ExperimentalWarning', SELF, '--load', JSON.stringify(loadConfig)])
            try {
              const { blocks } = await firstJsonLine<{ blocks: StoreBlock[] }>(load, perRound + 120, `${framework} ${alg} load`)
              for (const b of blocks) {
                results.blocks.push({ ...b, framework, alg, round })
                const where = `${framework} ${alg} round ${round + 1} cycle ${b.cycle + 1} ${b.kind}`
                if (b.non2xx || b.errors || b.timeouts) results.failures.push(`${where}: ${b.non2xx} non-2xx, ${b.errors} errors, ${b.timeouts} timeouts`)
                if (b.poolLimited) results.failures.push(`${where}: the token pool ran out (raise AJWT_BENCH_MAX_RPS)`)
                if (!(b.requests > 0)) results.failures.push(`${where}: no answers`)
                if (!(b.cpuSeconds > 0)) results.failures.push(`${where}: no CPU time read for the server`)
              }
              const line = storeRatios(results.blocks.filter((b) => b.framework === framework && b.alg === alg && b.round === round))
                .map((r) => `${r.kind.replace('ajwt-', '')} ${Math.round(r.perCpu)}${r.ratio ? ` (${r.ratio.median.toFixed(3)})` : ''}`)
                .join('  ')
              log(`round ${round + 1} ${framework} ${alg}: req/cpu-s ${line}`)
            } finally {
              await stop(load)
            }
          } catch (error) {
            results.failures.push(`${framework} ${alg} round ${round + 1}: ${(error as Error).message}`)
            log(`${framework} ${alg} round ${round + 1}: FAILED ${(error as Error).message.split('\n')[0]}`)
          } finally {
            // A server writing its CPU profile at exit needs more than the usual grace period.
            await Promise.all(servers.map((s) => stop(s.child, options.cpuProfDir ? 60_000 : 3000)))
          }
        }
      }
    }
  } finally {
    await redis?.stop()
    await postgres?.stop()
  }
  results.ratios = storeRatios(results.blocks)
  results.meta.loadAverage.end = loadavg()
  results.meta.wallSeconds = Math.round((Date.now() - started) / 1000)
  return results
}

/** What shares the load generator's core besides autocannon. */
function services(kinds: readonly StoreKind[]): string {
  const names = [
    ...(kinds.includes('ajwt-redis') || kinds.includes('ajwt-ioredis') ? ['redis-server'] : []),
    ...(kinds.includes('ajwt-postgres') ? ['PostgreSQL'] : []),
  ]
  return names.map((name) => `${name}, `).join('')
}

export function storesMarkdown(results: StoresResults, readme = '../README.md'): string {
  const { meta } = results
  const int = (n: number): string => Math.round(n).toLocaleString('en-US')
  const lines = [
    '# ajwt + MemoryNonceStore beside a shared store, the ceiling or the peer: requests per server CPU-second, in interleaved blocks',
    '',
    `${machineLine(meta)} · ${Math.round(meta.wallSeconds / 60)} min`,
    '',
    `Per framework, algorithm and round (${meta.rounds}): one fresh server per kind at once on core 0${meta.pinned ? '' : ' (NOT pinned)'}, ${services(meta.kinds)}autocannon (${meta.connections} connections) on core 1; ` +
      `${meta.warmupSeconds} s of warm-up each, then ${meta.cycles} cycles of one ${meta.blockSeconds} s block per store, the order rotated each cycle; the server's CPU time (schedstat, all threads) read around each block. ` +
      `A ratio is store / Memory req/CPU-s of two blocks of the same cycle (Memory / it for the ceiling and the peer); the table gives the median over every cycle, the quartiles and the extremes. Method: [README](${readme}#shared-stores-what-a-claim-costs).`,
    '',
    '| framework | alg | server | req/CPU-s (pooled) | CPU µs/req | of it, kernel | ratio | median | quartiles | min–max | target |',
    '| --- | --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |',
  ]
  for (const r of results.ratios) {
    const q = r.ratio
    lines.push(
      `| ${r.framework} | ${r.alg} | ${nameOf(r.kind, r.framework)} | ${int(r.perCpu)} | ${(1e6 / r.perCpu).toFixed(1)} | ${r.kernelMicros === undefined ? '' : r.kernelMicros.toFixed(1)} | ${q ? ratioOf(r.kind) : ''} | ${q ? `**${q.median.toFixed(3)}**` : ''} | ${q ? `${q.p25.toFixed(3)}–${q.p75.toFixed(3)}` : ''} | ${q ? `${q.min.toFixed(2)}–${q.max.toFixed(2)}` : ''} | ${r.target === undefined ? '' : `≥ ${r.target} ${r.met ? '✅' : '❌'}`} |`,
    )
  }
  // 0.9, 0.95, 1.0: as the targets are written.
  const times = (target = Number.NaN): string => target.toFixed(Number.isInteger(target * 10) ? 1 : 2)
  const targets: [string, readonly StoreKind[]][] = [
    [`Redis ≥ ${times(TARGET['ajwt-redis'])}× Memory`, ['ajwt-redis', 'ajwt-ioredis']],
    [`ajwt + Memory ≥ ${times(TARGET.ceiling)}× the ceiling`, ['ceiling']],
    [`ajwt + Memory ≥ ${times(TARGET.peer)}× the peer`, ['peer']],
  ]
  for (const [label, kinds] of targets) {
    const judged = results.ratios.filter((r) => r.met !== undefined && kinds.includes(r.kind))
    if (judged.length === 0) continue
    const worst = judged.reduce((a, b) => (b.ratio!.median < a.ratio!.median ? b : a))
    lines.push('', `**${label}: ${judged.filter((r) => r.met).length} of ${judged.length} met**; lowest ${worst.framework} ${worst.alg} ${nameOf(worst.kind, worst.framework)} ${worst.ratio!.median.toFixed(3)}.`)
  }
  if (results.failures.length) lines.push('', '## Failures', '', ...results.failures.map((f) => `- ${f}`))
  lines.push('')
  return lines.join('\n')
}


if (process.argv[2] === '--load') {
  const blocks = await loadChild(JSON.parse(process.argv[3]!) as LoadChildConfig)
  process.stdout.write(`${JSON.stringify({ blocks })}\n`)
} else if (process.argv[1] === SELF) {
  const env = process.env
  const log = (line: string): void => void process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`)
  const kinds = envList<StoreKind>(env.AJWT_BENCH_KINDS, COMPARED_KINDS, STORE_KINDS, 'AJWT_BENCH_KINDS')
  if (kinds[0] !== 'ajwt-memory') throw new Error('AJWT_BENCH_KINDS must start with ajwt-memory (the reference)')
  const options: StoresOptions = {
    frameworks: envList<Framework>(env.AJWT_BENCH_FRAMEWORKS, FRAMEWORKS, FRAMEWORKS, 'AJWT_BENCH_FRAMEWORKS'),
    algs: envList<Alg>(env.AJWT_BENCH_ALGS, ALGS, ['EdDSA', 'RS256'], 'AJWT_BENCH_ALGS'),
    kinds,
    rounds: Number(env.AJWT_BENCH_ROUNDS ?? 2),
    cycles: Number(env.AJWT_STORES_CYCLES ?? 4),
    blockSeconds: Number(env.AJWT_STORES_BLOCK ?? 1),
    warmupSeconds: Number(env.AJWT_BENCH_WARMUP ?? 1),
    connections: Number(env.AJWT_BENCH_CONNECTIONS ?? 10),
    maxRps: Number(env.AJWT_BENCH_MAX_RPS ?? 15_000),
    cacheDir: env.AJWT_BENCH_CACHE ?? fileURLToPath(new URL('../.cache', import.meta.url)),
    log,
  }
  if (env.AJWT_BENCH_CPU_PROF) options.cpuProfDir = env.AJWT_BENCH_CPU_PROF
  log(`stores: ${options.frameworks.join(',')} · ${options.algs.join(',')} · ${kinds.join(',')} · ${options.rounds} rounds × ${options.cycles} cycles × ${options.blockSeconds} s blocks`)
  const results = await runStores(options)
  const dir = env.AJWT_BENCH_OUT ?? fileURLToPath(new URL('../results', import.meta.url))
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'stores.json'), `${JSON.stringify(results, null, 2)}\n`)
  const readme = relative(dir, fileURLToPath(new URL('../README.md', import.meta.url)))
  writeFileSync(join(dir, 'stores.md'), storesMarkdown(results, readme))
  process.stdout.write(storesMarkdown(results, readme))
  if (results.failures.length) process.exitCode = 1
}
