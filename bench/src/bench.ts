// The whole benchmark: HTTP configurations (interleaved), micro-benchmarks, Worker bundle sizes.
import { execFileSync } from 'node:child_process'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { bundleSizes } from './bundle.ts'
import { plan, runHttp, type HttpOptions } from './harness.ts'
import type { MicroConfig, MicroResult } from './micro.ts'
import { canPin, firstJsonLine, spawnOn, stop } from './processes.ts'
import { summarize, type BenchResults } from './report.ts'
import { tokenPool } from './tokens.ts'
import { ALGS, FRAMEWORKS, KINDS, type Alg, type Framework, type Kind } from './types.ts'
import { envList } from './env-list.ts'

export interface BenchOptions extends HttpOptions {
  /** Seconds per micro-benchmark measurement; 0 skips them. */
  microSeconds: number
  bundles: boolean
}

const MICRO = fileURLToPath(new URL('./micro.ts', import.meta.url))


function number(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${value}"`)
  return n
}

/** Options from AJWT_BENCH_* environment variables (see bench/README.md), with the full run's defaults. */
export function optionsFromEnv(env: NodeJS.ProcessEnv, log: (line: string) => void): BenchOptions {
  const options: BenchOptions = {
    frameworks: envList<Framework>(env.AJWT_BENCH_FRAMEWORKS, FRAMEWORKS, FRAMEWORKS, 'AJWT_BENCH_FRAMEWORKS'),
    algs: envList<Alg>(env.AJWT_BENCH_ALGS, ALGS, ['EdDSA', 'RS256'], 'AJWT_BENCH_ALGS'),
    kinds: envList<Kind>(env.AJWT_BENCH_KINDS, KINDS, KINDS, 'AJWT_BENCH_KINDS'),
    seconds: number(env.AJWT_BENCH_SECONDS, 4, 'AJWT_BENCH_SECONDS'),
    warmupSeconds: number(env.AJWT_BENCH_WARMUP, 1, 'AJWT_BENCH_WARMUP'),
    rounds: Math.max(1, Math.round(number(env.AJWT_BENCH_ROUNDS, 3, 'AJWT_BENCH_ROUNDS'))),
    connections: Math.max(1, Math.round(number(env.AJWT_BENCH_CONNECTIONS, 10, 'AJWT_BENCH_CONNECTIONS'))),
    toleranceSeconds: number(env.AJWT_BENCH_TOLERANCE, 3600, 'AJWT_BENCH_TOLERANCE'),
    maxRps: number(env.AJWT_BENCH_MAX_RPS, 18_000, 'AJWT_BENCH_MAX_RPS'),
    cacheDir: env.AJWT_BENCH_CACHE ?? fileURLToPath(new URL('../.cache', import.meta.url)),
    microSeconds: number(env.AJWT_BENCH_MICRO_SECONDS, 1, 'AJWT_BENCH_MICRO_SECONDS'),
    bundles: env.AJWT_BENCH_BUNDLES !== '0',
    log,
  }
  if (env.AJWT_BENCH_CPU_PROF) options.cpuProfDir = env.AJWT_BENCH_CPU_PROF
  return options
}

async function micro(options: BenchOptions): Promise<MicroResult> {
  const pools = []
  for (const alg of options.algs) {
    const pool = await tokenPool(options.cacheDir, alg, Math.ceil((options.warmupSeconds + options.seconds) * options.maxRps), options.toleranceSeconds, 300, options.log)
    pools.push({ alg, file: pool.file, publicKeyPem: pool.meta.publicKeyPem })
  }
  const config: MicroConfig = { pools, seconds: options.microSeconds, rounds: options.rounds, toleranceSeconds: options.toleranceSeconds, liveEntries: 100_000 }
  const child = spawnOn(0, process.execPath, ['--expose-gc', '--disable-warning=ExperimentalWarning', MICRO, JSON.stringify(config)])
  try {
    const budget = 60 + pools.length * 4 * (options.rounds * options.microSeconds + 1)
    return await firstJsonLine<MicroResult>(child, budget, 'micro-benchmarks')
  } finally {
    await stop(child)
  }
}

export async function runBench(options: BenchOptions): Promise<BenchResults> {
  const started = Date.now()
  const loadStart = loadavg()
  const configs = await plan(options)
  for (const c of configs.filter((c) => !c.available)) options.log(`skip ${c.framework} ${c.kind} ${c.alg}: ${c.reason}`)
  const { pools } = await runHttp(options, configs)
  const { configs: summarized, ratios } = summarize(configs)
  const results: BenchResults = {
    meta: {
      date: new Date(started).toISOString(),
      node: process.versions.node,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      loadAverage: { start: loadStart, end: [] },
      pinned: canPin(),
      seconds: options.seconds,
      warmupSeconds: options.warmupSeconds,
      rounds: options.rounds,
      connections: options.connections,
      toleranceSeconds: options.toleranceSeconds,
      pools,
      wallSeconds: 0,
    },
    configs: summarized,
    ratios,
  }
  try {
    results.meta.commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    // Not a git checkout: no commit to record.
  }
  if (options.microSeconds > 0) {
    options.log('micro-benchmarks …')
    results.micro = await micro(options)
  }
  if (options.bundles) results.bundles = await bundleSizes()
  results.meta.loadAverage.end = loadavg()
  results.meta.wallSeconds = Math.round((Date.now() - started) / 1000)
  return results
}
