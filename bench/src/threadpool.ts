// `pnpm --filter @ajwt/bench threadpool` = `node src/threadpool.ts`: what verifying Ed25519 on
// libuv's threadpool (node:crypto's callback form of `crypto.verify`) does, against the synchronous
// call core makes, when the server may use one core or both. No framework: bare node:http servers
// that authenticate the ceiling's way (split, base64url, JSON.parse, one verify with a KeyObject
// made once, the time window, a Map check-and-set of the nonce), in two variants:
// - `sync`: `crypto.verify(null, data, key, signature)` returns a boolean on the event loop;
// - `threadpool`: `crypto.verify(null, data, key, signature, (err, ok) => …)`, the check runs on a
//   libuv worker thread (UV_THREADPOOL_SIZE of them) and the callback finishes the request.
// Per round, one fresh server per configuration runs at once (cores: `taskset -c 0`, or
// `taskset -c 0,1`), one load child (autocannon) on core 1 sends short blocks to each in turn
// (A B C …, then B C … A, …), reading around each block the server's CPU time (schedstat, all
// threads) and its event-loop utilisation (`performance.eventLoopUtilization()`, from `/stats`).
// Writes threadpool.{md,json} into AJWT_BENCH_OUT (default bench/results). See bench/README.md.
// The same file is the children: `node src/threadpool.ts server|load '<json>'`.
import { spawn, type ChildProcess } from 'node:child_process'
import { createPublicKey, verify } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import { loadavg } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { canPin, cpuSecondsOf, firstJsonLine, machineLine, machineMeta, spawnOn, stop } from './processes.ts'
import { rotatedBlocks, tokenLoad, type PoolCursor } from './token-load.ts'
import { tokenPool, type PoolMeta } from './tokens.ts'
import { parseCeilingToken } from './ceiling.ts'
import { USERNAME } from './types.ts'

export type Variant = 'sync' | 'threadpool'
export type Cores = '0' | '0,1'

export interface Configuration {
  /** Short name, e.g. `1c-sync`, `2c-tp4`. */
  name: string
  variant: Variant
  /** The server's CPU affinity (`taskset -c`). */
  cores: Cores
  /** UV_THREADPOOL_SIZE of the server (the threadpool variant only). */
  threads?: number
}

export const CONFIGURATIONS: readonly Configuration[] = [
  { name: '1c-sync', variant: 'sync', cores: '0' },
  { name: '1c-tp2', variant: 'threadpool', cores: '0', threads: 2 },
  { name: '1c-tp4', variant: 'threadpool', cores: '0', threads: 4 },
  { name: '2c-sync', variant: 'sync', cores: '0,1' },
  { name: '2c-tp2', variant: 'threadpool', cores: '0,1', threads: 2 },
  { name: '2c-tp4', variant: 'threadpool', cores: '0,1', threads: 4 },
]

const ROUTE = '/api/hello'
const NODE_ARGS = ['--disable-warning=ExperimentalWarning']

// ---------------------------------------------------------------------------------------------
// The server child.

interface ServerChildConfig {
  variant: Variant
  publicKeyPem: string
  toleranceSeconds: number
  maxSeconds: number
}

/** What `/stats` answers: the event loop's cumulative idle and active milliseconds, and the answers so far. */
export interface ServerStats {
  idle: number
  active: number
  ok: number
  rejected: number
}

function serverChild(config: ServerChildConfig): void {
  const limit = setTimeout(() => process.exit(3), config.maxSeconds * 1000)
  limit.unref()
  const key = createPublicKey(config.publicKeyPem)
  const seen = new Map<string, number>()
  const tolerance = config.toleranceSeconds
  let ok = 0
  let rejected = 0

  const reject = (res: ServerResponse): void => {
    rejected++
    res.writeHead(401, { 'content-type': 'text/plain', 'content-length': '12' })
    res.end('unauthorized')
  }
  const body = Buffer.from(JSON.stringify({ user: USERNAME }))
  /** After the signature: the nonce check-and-set, then the answer. */
  const finish = (res: ServerResponse, valid: boolean, id: string, time: number): void => {
    if (!valid || seen.has(id)) return reject(res)
    seen.set(id, time + tolerance)
    ok++
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) })
    res.end(body)
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.url === '/stats') {
      const { idle, active } = performance.eventLoopUtilization()
      const stats: ServerStats = { idle, active, ok, rejected }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(stats))
      return
    }
    const token = parseCeilingToken(req.headers.authorization, 'EdDSA', tolerance)
    if (!token) return reject(res)
    const { data, signature, id, time } = token
    if (config.variant === 'sync') {
      let valid = false
      try {
        valid = verify(null, data, key, signature)
      } catch {
        valid = false
      }
      finish(res, valid, id, time)
    } else {
      try {
        verify(null, data, key, signature, (error, valid) => finish(res, !error && valid, id, time))
      } catch {
        reject(res)
      }
    }
  }

  const server = createServer(handler)
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`)
  })
  const quit = (): void => {
    server.close()
    process.exit(0)
  }
  process.on('SIGTERM', quit)
  process.on('SIGINT', quit)
  process.stdin.on('end', quit)
  process.stdin.resume()
}

// ---------------------------------------------------------------------------------------------
// The load child: autocannon, one block per configuration in turn.

interface LoadChildConfig {
  servers: { name: string; url: string; pid: number }[]
  tokensFile: string
  connections: number
  warmupSeconds: number
  blockSeconds: number
  cycles: number
}

/** One measured block: `blockSeconds` of load on one configuration's server. */
export interface Block {
  name: string
  cycle: number
  requests: number
  seconds: number
  rps: number
  /** The server's CPU seconds over the block (schedstat, all threads). */
  cpuSeconds: number
  /** Of which the main thread (the event loop's thread, tid = pid); the rest is libuv's workers, V8's and the rest. */
  mainCpuSeconds: number
  /** CPU seconds of the load child (autocannon) over the block. */
  loadCpuSeconds: number
  /** Share of the machine's CPU time (all cores, /proc/stat) left idle over the block: was there a core to spare? */
  machineIdle: number
  /** The server's event loop: active milliseconds over the block, and the utilisation (active / (active + idle)). */
  loopActiveMs: number
  elu: number
  p50: number
  p99: number
  non2xx: number
  errors: number
  timeouts: number
  /** The block stopped early because the token pool ran out. */
  poolLimited: boolean
  statusCodes: Record<string, number>
  /** 2xx counted by the server itself (a check on autocannon's count). */
  serverOk: number
}

const percentile = (sorted: Float64Array, p: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

/** CPU seconds of the process's main thread (the event loop), from its schedstat (ns). */
function mainThreadCpuSeconds(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e9
  } catch {
    return Number.NaN
  }
}

/** Idle and total jiffies of all cores, from /proc/stat's first line. */
function machineTimes(): { idle: number; total: number } {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    const used = fields.slice(0, 8)
    return { idle: (used[3] ?? 0) + (used[4] ?? 0), total: used.reduce((a, b) => a + b, 0) }
  } catch {
    return { idle: Number.NaN, total: Number.NaN }
  }
}

async function statsOf(url: string): Promise<ServerStats> {
  const response = await fetch(new URL('/stats', url))
  return (await response.json()) as ServerStats
}

async function loadChild(config: LoadChildConfig): Promise<Block[]> {
  const { default: autocannon } = await import('autocannon')
  const tokens = readFileSync(config.tokensFile, 'utf8').split('\n')
  // Every server has its own nonce Map: each walks the pool from the start and never gets a token twice.
  const cursors = new Map<string, PoolCursor>(config.servers.map((s) => [s.name, { next: 0 }]))
  const run = async (server: LoadChildConfig['servers'][number], seconds: number, cycle: number): Promise<Block> => {
    const latencies: number[] = []
    const instance = autocannon(tokenLoad(server.url, tokens, cursors.get(server.name)!, { connections: config.connections, seconds }))
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime))
    const cpuBefore = cpuSecondsOf(server.pid)
    const mainBefore = mainThreadCpuSeconds(server.pid)
    const loadBefore = process.cpuUsage()
    const machineBefore = machineTimes()
    const statsBefore = await statsOf(server.url)
    const result = await instance
    const statsAfter = await statsOf(server.url)
    const machineAfter = machineTimes()
    const load = process.cpuUsage(loadBefore)
    const mainAfter = mainThreadCpuSeconds(server.pid)
    const cpuAfter = cpuSecondsOf(server.pid)
    const sorted = Float64Array.from(latencies).sort()
    const active = statsAfter.active - statsBefore.active
    const idle = statsAfter.idle - statsBefore.idle
    const statusCodes: Record<string, number> = {}
    for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count
    return {
      name: server.name,
      cycle,
      requests: result.requests.total,
      seconds: result.duration,
      rps: result.requests.total / result.duration,
      cpuSeconds: cpuBefore && cpuAfter && cpuBefore.clock === cpuAfter.clock ? cpuAfter.seconds - cpuBefore.seconds : Number.NaN,
      mainCpuSeconds: mainAfter - mainBefore,
      loadCpuSeconds: (load.user + load.system) / 1e6,
      machineIdle: (machineAfter.idle - machineBefore.idle) / (machineAfter.total - machineBefore.total),
      loopActiveMs: active,
      elu: active / (active + idle),
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      poolLimited: result.duration < seconds - 0.2,
      statusCodes,
      serverOk: statsAfter.ok - statsBefore.ok,
    }
  }
  return rotatedBlocks(config.servers, config, run)
}

// ---------------------------------------------------------------------------------------------
// The orchestration.

export interface ThreadpoolOptions {
  configurations: readonly Configuration[]
  rounds: number
  cycles: number
  blockSeconds: number
  warmupSeconds: number
  connections: number
  /** Sizes the token pool: (warm-up + cycles × block) × this (each server walks it from the start). */
  maxRps: number
  toleranceSeconds: number
  cacheDir: string
  log: (line: string) => void
}

export interface Probe {
  name: string
  expected: number
  status: number
}

/** Median, extremes and count of one metric over the blocks of a configuration. */
export interface Spread {
  median: number
  min: number
  max: number
  n: number
}

export interface Summary {
  configuration: Configuration
  /** Wall-clock requests per second. */
  rps: Spread
  /** Server CPU µs per request (all threads). */
  cpuUsPerRequest: Spread
  /** Requests per server CPU-second (all blocks pooled). */
  perCpu: number
  /** Main-thread (event-loop thread) CPU µs per request, and the other threads' (libuv workers, V8, …). */
  mainCpuUsPerRequest: Spread
  otherCpuUsPerRequest: Spread
  /** Event-loop active µs per request (ELU × wall time / requests): wall time, so it includes time the loop thread waited for a core. */
  loopUsPerRequest: Spread
  /** Event-loop utilisation over the block. */
  elu: Spread
  /** Cores' worth of CPU the server and autocannon used over the block; the machine's idle share. */
  serverCores: Spread
  loadCores: Spread
  machineIdle: Spread
  /** Latency (ms) per block. */
  p50: Spread
  p99: Spread
  /** Against the sync configuration on the same cores, per cycle (blocks seconds apart): wall req/s and event-loop µs/request ratios. */
  vsSync?: { rps: Spread; loopUs: Spread; mainCpuUs: Spread; cpuUs: Spread }
}

export interface ThreadpoolResults {
  meta: Omit<ThreadpoolOptions, 'log' | 'cacheDir' | 'configurations'> & ReturnType<typeof machineMeta> & { wallSeconds: number; loadCore: string; signatureUs?: number }
  configurations: Configuration[]
  probes: Record<string, Probe[]>
  blocks: (Block & { round: number })[]
  summary: Summary[]
  failures: string[]
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length === 0 ? Number.NaN : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
const spread = (values: readonly number[]): Spread => {
  const finite = values.filter(Number.isFinite)
  return { median: median(finite), min: finite.length ? Math.min(...finite) : Number.NaN, max: finite.length ? Math.max(...finite) : Number.NaN, n: finite.length }
}

export function summarize(configurations: readonly Configuration[], blocks: ThreadpoolResults['blocks']): Summary[] {
  const good = (b: Block): boolean => b.requests > 0 && b.non2xx === 0 && b.errors === 0 && !b.poolLimited
  return configurations.map((configuration) => {
    const mine = blocks.filter((b) => b.name === configuration.name && good(b))
    const withCpu = mine.filter((b) => b.cpuSeconds > 0)
    const summary: Summary = {
      configuration,
      rps: spread(mine.map((b) => b.rps)),
      cpuUsPerRequest: spread(withCpu.map((b) => (b.cpuSeconds / b.requests) * 1e6)),
      perCpu: withCpu.reduce((s, b) => s + b.requests, 0) / withCpu.reduce((s, b) => s + b.cpuSeconds, 0),
      mainCpuUsPerRequest: spread(withCpu.map((b) => (b.mainCpuSeconds / b.requests) * 1e6)),
      otherCpuUsPerRequest: spread(withCpu.map((b) => ((b.cpuSeconds - b.mainCpuSeconds) / b.requests) * 1e6)),
      loopUsPerRequest: spread(mine.map((b) => (b.loopActiveMs * 1000) / b.requests)),
      elu: spread(mine.map((b) => b.elu)),
      serverCores: spread(withCpu.map((b) => b.cpuSeconds / b.seconds)),
      loadCores: spread(mine.map((b) => b.loadCpuSeconds / b.seconds)),
      machineIdle: spread(mine.map((b) => b.machineIdle)),
      p50: spread(mine.map((b) => b.p50)),
      p99: spread(mine.map((b) => b.p99)),
    }
    const reference = configurations.find((c) => c.variant === 'sync' && c.cores === configuration.cores)
    if (configuration.variant !== 'sync' && reference) {
      const rps: number[] = []
      const loopUs: number[] = []
      const cpuUs: number[] = []
      const mainCpuUs: number[] = []
      for (const b of mine) {
        const s = blocks.find((x) => x.name === reference.name && x.round === b.round && x.cycle === b.cycle)
        if (!s || !good(s)) continue
        rps.push(b.rps / s.rps)
        loopUs.push(b.loopActiveMs / b.requests / (s.loopActiveMs / s.requests))
        if (b.cpuSeconds > 0 && s.cpuSeconds > 0) cpuUs.push(b.cpuSeconds / b.requests / (s.cpuSeconds / s.requests))
        if (b.mainCpuSeconds > 0 && s.mainCpuSeconds > 0) mainCpuUs.push(b.mainCpuSeconds / b.requests / (s.mainCpuSeconds / s.requests))
      }
      summary.vsSync = { rps: spread(rps), loopUs: spread(loopUs), mainCpuUs: spread(mainCpuUs), cpuUs: spread(cpuUs) }
    }
    return summary
  })
}

const SELF = fileURLToPath(import.meta.url)

/** Spawns `node args` with the CPU affinity `cores` (when taskset is there) and extra environment. */
function spawnPinned(cores: Cores, args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
  const pinned = canPin()
  return spawn(pinned ? 'taskset' : process.execPath, pinned ? ['-c', cores, process.execPath, ...args] : [...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  })
}

async function sendProbe(url: string, authorization: string | undefined): Promise<number> {
  const response = await fetch(url, authorization === undefined ? {} : { headers: { authorization } })
  await response.arrayBuffer()
  return response.status
}

/** A valid token, the same again, a signature moved onto other claims, a token from an unknown key, no header. */
async function probe(url: string, meta: PoolMeta): Promise<Probe[]> {
  const cases: [string, number, string | undefined][] = [
    ['valid token', 200, `JWT ${meta.probes.valid[0]}`],
    ['the same token again (replay)', 401, `JWT ${meta.probes.valid[0]}`],
    ['forged signature (moved onto other claims)', 401, `JWT ${meta.probes.forged}`],
    ['signed by an unknown key', 401, `JWT ${meta.probes.otherKey}`],
    ['no Authorization header', 401, undefined],
  ]
  const probes: Probe[] = []
  for (const [name, expected, authorization] of cases) probes.push({ name, expected, status: await sendProbe(url, authorization) })
  return probes
}

export async function runThreadpool(options: ThreadpoolOptions): Promise<ThreadpoolResults> {
  const started = Date.now()
  const { log, configurations } = options
  const results: ThreadpoolResults = {
    meta: {
      rounds: options.rounds,
      cycles: options.cycles,
      blockSeconds: options.blockSeconds,
      warmupSeconds: options.warmupSeconds,
      connections: options.connections,
      maxRps: options.maxRps,
      toleranceSeconds: options.toleranceSeconds,
      ...machineMeta(started, loadavg()),
      wallSeconds: 0,
      loadCore: canPin() ? '1' : 'not pinned',
    },
    configurations: [...configurations],
    probes: {},
    blocks: [],
    summary: [],
    failures: [],
  }
  const perRound = configurations.length * (options.warmupSeconds + options.cycles * (options.blockSeconds + 0.1)) + 10
  const reserve = Math.ceil(perRound * options.rounds + 300)
  if (reserve >= options.toleranceSeconds) throw new Error(`the run takes ~${reserve} s: the tolerance (${options.toleranceSeconds} s) must be longer`)
  const poolSize = Math.ceil((options.warmupSeconds + options.cycles * options.blockSeconds) * options.maxRps) + 4 * options.connections
  // A directory of its own: this bench's pool never replaces the main bench's (same file names).
  const pool = await tokenPool(join(options.cacheDir, 'threadpool'), 'EdDSA', poolSize, options.toleranceSeconds, reserve, log)
  const lines = readFileSync(pool.file, 'utf8').split('\n')
  if (new Set(lines).size !== lines.length) throw new Error('the token pool repeats a token')
  {
    // What one Ed25519 verification costs here, synchronously (for the report).
    const key = createPublicKey(pool.meta.publicKeyPem)
    const parts = lines.slice(0, 2000).map((t) => {
      const dot = t.lastIndexOf('.')
      return [Buffer.from(t.slice(0, dot), 'latin1'), Buffer.from(t.slice(dot + 1), 'base64url')] as const
    })
    for (const [d, s] of parts) verify(null, d, key, s)
    // The fastest of 10 batches: the machine is shared, and other jobs only ever add time.
    let best = Number.POSITIVE_INFINITY
    for (let batch = 0; batch < 10; batch++) {
      const t0 = performance.now()
      for (const [d, s] of parts.slice(batch * 200, batch * 200 + 200)) verify(null, d, key, s)
      best = Math.min(best, ((performance.now() - t0) * 1000) / 200)
    }
    results.meta.signatureUs = best
  }
  log(`threadpool: ${configurations.map((c) => c.name).join(', ')} · ${options.rounds} rounds × ${options.cycles} cycles × ${options.blockSeconds} s blocks · pool ${lines.length} tokens · one verify ≈ ${results.meta.signatureUs.toFixed(0)} µs here`)

  for (let round = 0; round < options.rounds; round++) {
    const servers: { name: string; url: string; pid: number; child: ChildProcess }[] = []
    try {
      for (const configuration of configurations) {
        const config: ServerChildConfig = { variant: configuration.variant, publicKeyPem: pool.meta.publicKeyPem, toleranceSeconds: options.toleranceSeconds, maxSeconds: Math.ceil(perRound + 120) }
        const env: NodeJS.ProcessEnv = configuration.threads === undefined ? {} : { UV_THREADPOOL_SIZE: String(configuration.threads) }
        const child = spawnPinned(configuration.cores, [...NODE_ARGS, SELF, 'server', JSON.stringify(config)], env)
        // Registered before the wait, so that a server that fails to start is stopped too.
        servers.push({ name: configuration.name, url: '', pid: child.pid!, child })
        const { port } = await firstJsonLine<{ port: number }>(child, 30, `${configuration.name} server`)
        servers[servers.length - 1]!.url = `http://127.0.0.1:${port}${ROUTE}`
      }
      if (round === 0) {
        for (const server of servers) {
          const probes = await probe(server.url, pool.meta)
          results.probes[server.name] = probes
          const wrong = probes.filter((p) => p.status !== p.expected)
          for (const p of wrong) results.failures.push(`${server.name} probe "${p.name}": ${p.status} (expected ${p.expected})`)
        }
        log(`probes: ${results.failures.length === 0 ? 'as expected on every server' : results.failures.join('; ')}`)
      }
      const loadConfig: LoadChildConfig = {
        servers: servers.map(({ name, url, pid }) => ({ name, url, pid })),
        tokensFile: pool.file,
        connections: options.connections,
        warmupSeconds: options.warmupSeconds,
        blockSeconds: options.blockSeconds,
        cycles: options.cycles,
      }
      const load = spawnOn(1, process.execPath, [...NODE_ARGS, SELF, 'load', JSON.stringify(loadConfig)])
      try {
        const { blocks } = await firstJsonLine<{ blocks: Block[] }>(load, perRound + 120, `round ${round + 1} load`)
        for (const b of blocks) {
          results.blocks.push({ ...b, round })
          const where = `round ${round + 1} cycle ${b.cycle + 1} ${b.name}`
          if (b.non2xx || b.errors || b.timeouts) results.failures.push(`${where}: ${b.non2xx} non-2xx, ${b.errors} errors, ${b.timeouts} timeouts`)
          if (b.poolLimited) results.failures.push(`${where}: the token pool ran out (raise AJWT_BENCH_MAX_RPS)`)
          if (!(b.requests > 0)) results.failures.push(`${where}: no answers`)
          if (!(b.cpuSeconds > 0)) results.failures.push(`${where}: no CPU time read for the server`)
        }
        const line = summarize(configurations, results.blocks.filter((b) => b.round === round))
          .map((s) => `${s.configuration.name} ${Math.round(s.rps.median)} req/s ${s.loopUsPerRequest.median.toFixed(0)} loop-µs ${s.cpuUsPerRequest.median.toFixed(0)} cpu-µs`)
          .join(' · ')
        log(`round ${round + 1}: ${line}`)
      } finally {
        await stop(load)
      }
    } catch (error) {
      results.failures.push(`round ${round + 1}: ${(error as Error).message}`)
      log(`round ${round + 1}: FAILED ${(error as Error).message.split('\n')[0]}`)
    } finally {
      await Promise.all(servers.map((s) => stop(s.child)))
    }
  }
  results.summary = summarize(configurations, results.blocks)
  results.meta.loadAverage.end = loadavg()
  results.meta.wallSeconds = Math.round((Date.now() - started) / 1000)
  return results
}

// ---------------------------------------------------------------------------------------------
// The report.

const describe = (c: Configuration): string =>
  `${c.cores === '0' ? '1 core' : '2 cores'} · ${c.variant === 'sync' ? 'sync `crypto.verify`' : `threadpool (UV_THREADPOOL_SIZE=${c.threads ?? 4})`}`

export function threadpoolMarkdown(results: ThreadpoolResults, readme = '../README.md'): string {
  const { meta } = results
  const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–')
  const fix = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : '–')
  const cell = (s: Spread, f: (n: number) => string): string => (s.n ? `**${f(s.median)}** (${f(s.min)}–${f(s.max)})` : '–')
  const lines = [
    "# Ed25519 on libuv's threadpool against the synchronous `crypto.verify`",
    '',
    `${machineLine(meta)} · ${Math.round(meta.wallSeconds / 60)} min · one synchronous Ed25519 \`crypto.verify\` ≈ ${fix(meta.signatureUs ?? Number.NaN, 0)} µs here (fastest batch of 200)`,
    '',
    `Bare node:http servers verifying the ceiling's way (no framework), \`sync\` = \`crypto.verify(null, data, key, sig)\`, \`threadpool\` = its callback form. ` +
      `Per round (${meta.rounds}), one fresh server per configuration at once, with the affinity shown (${meta.pinned ? '`taskset -c 0` or `taskset -c 0,1`' : 'NOT pinned: taskset missing'}); one load child (autocannon, ${meta.connections} connections) on core ${meta.loadCore}. ` +
      `${meta.warmupSeconds} s of warm-up each, then ${meta.cycles} cycles of one ${meta.blockSeconds} s block per configuration, the order rotated each cycle; around each block the server's CPU time (schedstat: all threads, and the main thread alone) and its event-loop utilisation (\`performance.eventLoopUtilization()\` via \`/stats\`). ` +
      `“Event-loop µs/req” is wall time the loop was busy (ELU active ms / requests): it includes time the loop's thread waited for a core, which “main-thread CPU” does not. “server cores” / “autocannon cores” = CPU-seconds per wall second over the block; “machine idle” = the share of both cores' time /proc/stat counted idle (what was left to spare, other jobs included). Medians over every block, min–max in brackets. “vs sync” = the block's value / the sync block on the same cores in the same cycle (seconds apart), median. ` +
      `With 2 cores allowed, the server shares core 1 with autocannon (this machine has 2). Method and verdict: [README](${readme}#ed25519-on-libuvs-threadpool).`,
    '',
    '| configuration | req/s (wall) | req/s vs sync | server CPU µs/req | CPU vs sync | req/CPU-s | main-thread CPU µs/req | other threads CPU µs/req | main CPU vs sync | event-loop µs/req (ELU × wall) | loop µs vs sync | ELU | p50 ms | p99 ms | server cores | autocannon cores | machine idle |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const s of results.summary) {
    const v = s.vsSync
    lines.push(
      `| ${describe(s.configuration)} | ${cell(s.rps, int)} | ${v ? `${fix(v.rps.median, 2)}× (${fix(v.rps.min, 2)}–${fix(v.rps.max, 2)})` : ''} | ${cell(s.cpuUsPerRequest, (n) => fix(n, 0))} | ${v ? `${fix(v.cpuUs.median, 2)}×` : ''} | ${int(s.perCpu)} | ${cell(s.mainCpuUsPerRequest, (n) => fix(n, 0))} | ${fix(s.otherCpuUsPerRequest.median, 0)} | ${v ? `${fix(v.mainCpuUs.median, 2)}×` : ''} | ${cell(s.loopUsPerRequest, (n) => fix(n, 0))} | ${v ? `${fix(v.loopUs.median, 2)}×` : ''} | ${fix(s.elu.median, 2)} | ${cell(s.p50, (n) => fix(n, 2))} | ${cell(s.p99, (n) => fix(n, 2))} | ${fix(s.serverCores.median, 2)} | ${fix(s.loadCores.median, 2)} | ${s.machineIdle.n ? `${Math.round(s.machineIdle.median * 100)} %` : '–'} |`,
    )
  }
  lines.push('', '## Probes (first round)', '', '| configuration | ' + (Object.values(results.probes)[0]?.map((p) => `${p.name} (expect ${p.expected})`).join(' | ') ?? '') + ' |')
  lines.push('| --- |' + ' ---: |'.repeat(Object.values(results.probes)[0]?.length ?? 0))
  for (const [name, probes] of Object.entries(results.probes)) lines.push(`| ${name} | ${probes.map((p) => (p.status === p.expected ? `${p.status}` : `**${p.status}** ❌`)).join(' | ')} |`)
  if (results.failures.length) lines.push('', '## Failures', '', ...results.failures.map((f) => `- ${f}`))
  lines.push('')
  return lines.join('\n')
}

export function writeThreadpool(results: ThreadpoolResults, dir: string): { md: string; json: string } {
  mkdirSync(dir, { recursive: true })
  const md = join(dir, 'threadpool.md')
  const json = join(dir, 'threadpool.json')
  const readme = relative(dir, fileURLToPath(new URL('../README.md', import.meta.url)))
  writeFileSync(md, threadpoolMarkdown(results, readme))
  writeFileSync(json, `${JSON.stringify(results, null, 1)}\n`)
  return { md, json }
}

export function optionsFromEnv(env: NodeJS.ProcessEnv, log: (line: string) => void): ThreadpoolOptions {
  const number = (value: string | undefined, fallback: number, name: string): number => {
    if (value === undefined || value === '') return fallback
    const n = Number(value)
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${value}"`)
    return n
  }
  const names = (env.AJWT_THREADPOOL_CONFIGS ?? '').split(',').map((s) => s.trim()).filter(Boolean)
  for (const name of names) if (!CONFIGURATIONS.some((c) => c.name === name)) throw new Error(`AJWT_THREADPOOL_CONFIGS: "${name}" (one of ${CONFIGURATIONS.map((c) => c.name).join(', ')})`)
  return {
    configurations: names.length ? CONFIGURATIONS.filter((c) => names.includes(c.name)) : CONFIGURATIONS,
    rounds: Math.round(number(env.AJWT_BENCH_ROUNDS, 3, 'AJWT_BENCH_ROUNDS')),
    cycles: Math.round(number(env.AJWT_THREADPOOL_CYCLES, 6, 'AJWT_THREADPOOL_CYCLES')),
    blockSeconds: number(env.AJWT_THREADPOOL_BLOCK, 1.5, 'AJWT_THREADPOOL_BLOCK'),
    warmupSeconds: number(env.AJWT_BENCH_WARMUP, 1, 'AJWT_BENCH_WARMUP'),
    connections: Math.round(number(env.AJWT_BENCH_CONNECTIONS, 10, 'AJWT_BENCH_CONNECTIONS')),
    maxRps: number(env.AJWT_BENCH_MAX_RPS, 14_000, 'AJWT_BENCH_MAX_RPS'),
    toleranceSeconds: 3600,
    cacheDir: env.AJWT_BENCH_CACHE ?? fileURLToPath(new URL('../.cache', import.meta.url)),
    log,
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [mode, json] = process.argv.slice(2)
  if (mode === 'server') serverChild(JSON.parse(json!) as ServerChildConfig)
  else if (mode === 'load') {
    const blocks = await loadChild(JSON.parse(json!) as LoadChildConfig)
    process.stdout.write(`${JSON.stringify({ blocks })}\n`)
  } else {
    const log = (line: string): void => void process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`)
    try {
      const results = await runThreadpool(optionsFromEnv(process.env, log))
      const files = writeThreadpool(results, process.env.AJWT_BENCH_OUT ?? fileURLToPath(new URL('../results', import.meta.url)))
      process.stdout.write(readFileSync(files.md, 'utf8'))
      log(`done in ${results.meta.wallSeconds} s: ${files.md}`)
      if (results.failures.length) {
        log('FAILED: a block failed, answered non-2xx, ran out of tokens, or a probe got an unexpected status (see the report)')
        process.exitCode = 1
      }
    } catch (error) {
      log(`FAILED: ${(error as Error).stack ?? String(error)}`)
      process.exitCode = 1
    }
  }
}
