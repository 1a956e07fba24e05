// What request binding costs (htm/htu/htq/htb, DESIGN §6). `node src/binding.ts` writes
// results/binding.{md,json}:
// 1. HTTP, per framework (@ajwt/express, @ajwt/fastify): the same server (MemoryNonceStore, one
//    Ed25519 user, `origins` = its own origin) answering `POST /api/orders` with a ~200-byte JSON
//    body its body parser reads, fed either UNBOUND tokens (`signer.authorization()`) or BOUND
//    ones (`signer.authorization({ method, url, body })`, signed for the exact request sent). Per
//    round a fresh server process on core 0 and autocannon on core 1, then short blocks that
//    alternate the two kinds (U B B U …) with the server's CPU time read around each; requests
//    per server CPU-second, and bound/unbound per adjacent pair of blocks. Target: ≥ 0.95.
// 2. In process, on core 0: SHA-256 throughput on a 1 MiB body in 64 KiB chunks, core's
//    `checkBodyChunks` (async iterable) and `checkBody` (web streams) against node:crypto's
//    `createHash` alone; and the same on one ~200-byte body.
// The same file is the children: `node src/binding.ts server|load|hash '<json>'`.
import { execFileSync } from 'node:child_process'
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer as createNetServer, type AddressInfo } from 'node:net'
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { cpuSecondsOf, firstJsonLine, machineMeta, spawnOn, stop } from './processes.ts'
import type { AjwtOptions } from '@ajwt/core'
import { USERNAME } from './types.ts'

export type BindingFramework = 'express' | 'fastify'
export type TokenKind = 'unbound' | 'bound'
export const BINDING_FRAMEWORKS: readonly BindingFramework[] = ['express', 'fastify']
const KINDS: readonly TokenKind[] = ['unbound', 'bound']

export const ROUTE = '/api/orders'
/** The request body every measured request sends (206 bytes of JSON). */
export const BODY = JSON.stringify({
  order: 'ord_7Hk2mQ9xLp4R',
  customer: 'cus_Z81bVn3TqW0e',
  items: [
    { sku: 'SKU-10042', qty: 2, price: 1250 },
    { sku: 'SKU-20817', qty: 1, price: 4990 },
  ],
  currency: 'EUR',
  note: 'leave at the front desk, ring twice',
})
const TARGET = 0.95

/**
 * - `full` (the default): the adapter as its README shows, binding policy `'if-present'`;
 * - `off`: binding `'off'`, a bound token is verified like an unbound one: what its extra claims
 *   (a longer token) alone cost.
 */
export type BindingMode = 'full' | 'off'
export const BINDING_MODES: readonly BindingMode[] = ['full', 'off']
const MIB = 1024 * 1024

export interface BindingOptions {
  frameworks: readonly BindingFramework[]
  /** Seconds of each measured block (one kind of token). */
  blockSeconds: number
  /** Pairs of blocks (one of each kind) per round. */
  pairs: number
  /** Unmeasured seconds at the start of each round, half with each kind. */
  warmupSeconds: number
  /** Rounds, each on a fresh server process (a fresh nonce store). */
  rounds: number
  connections: number
  /** The verifier's time window: longer than the whole run, so the pre-signed pools stay valid. */
  toleranceSeconds: number
  /** Sizes each token pool: (warm-up + seconds) × this. */
  maxRps: number
  /** Seconds per hashing measurement (0 skips the hashing part). */
  hashSeconds: number
  /** What the servers check of a bound token (see {@link BindingMode}); `'full'` is what is measured. */
  mode: BindingMode
  /** Where the token pools are written (one file per kind). */
  cacheDir: string
  /** Write V8 CPU profiles of the measured servers here (`--cpu-prof`). */
  cpuProfDir?: string
  log: (line: string) => void
}

// ---------------------------------------------------------------------------------------------
// Children: the server, the load generator, the hashing micro-benchmark.

interface ServerChildConfig {
  framework: BindingFramework
  mode: BindingMode
  port: number
  publicKeyPem: string
  origin: string
  toleranceSeconds: number
  maxSeconds: number
}

async function serverChild(config: ServerChildConfig): Promise<void> {
  const limit = setTimeout(() => process.exit(3), config.maxSeconds * 1000)
  limit.unref()
  const { MemoryKeyStore, MemoryNonceStore } = await import('@ajwt/core')
  const options: AjwtOptions = {
    keys: new MemoryKeyStore({ [USERNAME]: [config.publicKeyPem] }),
    nonces: new MemoryNonceStore(),
    toleranceSeconds: config.toleranceSeconds,
    origins: [config.origin],
    ...(config.mode === 'off' ? { binding: 'off' as const } : {}),
  }
  let close: () => Promise<void>
  if (config.framework === 'express') {
    const [{ default: express }, { ajwt, ajwtErrorHandler }, { createServer }] = await Promise.all([
      import('express'),
      import('@ajwt/express'),
      import('node:http'),
    ])
    const app = express()
    // ajwt first, then the body parser: the adapter must see the body before anything reads it.
    app.use(ajwt(options))
    app.use(express.json())
    app.post(ROUTE, (req, res) => {
      const body = req.body as { items?: unknown[] } | undefined
      if (!Array.isArray(body?.items)) {
        res.status(400).json({ error: 'no body' })
        return
      }
      res.json({ user: req.auth?.username, items: body.items.length })
    })
    app.use(ajwtErrorHandler())
    const server = createServer(app)
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(config.port, '127.0.0.1', () => resolve())
    })
    close = () => new Promise<void>((done) => server.close(() => done()))
  } else {
    const [{ default: Fastify }, { ajwt }] = await Promise.all([import('fastify'), import('@ajwt/fastify')])
    const app = Fastify()
    await app.register(ajwt, options)
    app.post(ROUTE, async (request, reply) => {
      const body = request.body as { items?: unknown[] } | undefined
      if (!Array.isArray(body?.items)) return reply.code(400).send({ error: 'no body' })
      return { user: request.auth?.username, items: body.items.length }
    })
    await app.listen({ port: config.port, host: '127.0.0.1' })
    close = () => app.close()
  }
  process.stdout.write(`${JSON.stringify({ port: config.port })}\n`)
  let stopping = false
  const quit = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    await Promise.race([close().catch(() => undefined), new Promise((r) => setTimeout(r, 2000))])
    process.exit(0)
  }
  process.on('SIGTERM', () => void quit())
  process.on('SIGINT', () => void quit())
  process.stdin.on('end', () => void quit())
  process.stdin.resume()
}

interface LoadChildConfig {
  url: string
  /** One Authorization header value per line, per kind. */
  tokensFiles: Record<TokenKind, string>
  body: string
  connections: number
  /** Unmeasured, half with each kind. */
  warmupSeconds: number
  /** The measured blocks, in order: one autocannon run each, the server's CPU time read around it. */
  schedule: TokenKind[]
  blockSeconds: number
  serverPid?: number
}

/** One measured block: `blockSeconds` of one kind of token. */
export interface Block {
  kind: TokenKind
  requests: number
  seconds: number
  cpuSeconds: number
  rps: number
  rpsPerCpu: number
  non2xx: number
  errors: number
  timeouts: number
  /** The block stopped early because its token pool ran out. */
  poolLimited: boolean
  statusCodes: Record<string, number>
}

interface LoadChildResult {
  blocks: Block[]
  latency: Record<TokenKind, { p50: number; p99: number }>
  cpuClock: string
}

const percentile = (sorted: Float64Array, p: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

async function loadChild(config: LoadChildConfig): Promise<void> {
  const { default: autocannon } = await import('autocannon')
  const tokens = { unbound: readFileSync(config.tokensFiles.unbound, 'utf8').split('\n'), bound: readFileSync(config.tokensFiles.bound, 'utf8').split('\n') }
  const next: Record<TokenKind, number> = { unbound: 0, bound: 0 }
  const latencies: Record<TokenKind, number[]> = { unbound: [], bound: [] }
  let clock = 'none'
  const run = async (kind: TokenKind, seconds: number, record: boolean): Promise<Block> => {
    const pool = tokens[kind]
    // Stop in time to never reuse a token: setupRequest may run once ahead per connection.
    const remaining = pool.length - next[kind] - 2 * config.connections
    // Not an object literal: autocannon.d.ts declares only what load.ts uses (no method/body/headers).
    const options = {
      url: config.url,
      connections: config.connections,
      duration: seconds,
      maxOverallRequests: Math.max(config.connections, remaining),
      method: 'POST',
      body: config.body,
      headers: { 'content-type': 'application/json' },
      requests: [
        {
          setupRequest: (request: { headers: Record<string, string> }) => {
            // An exhausted pool sends a token that every server rejects: never a replay.
            request.headers = { ...request.headers, authorization: next[kind] < pool.length ? pool[next[kind]++]! : 'JWT exhausted.pool.x' }
            return request
          },
        },
      ],
    }
    const instance = autocannon(options)
    if (record) instance.on('response', (_client, _status, _bytes, responseTime) => latencies[kind].push(responseTime))
    const before = config.serverPid === undefined ? undefined : cpuSecondsOf(config.serverPid)
    const result = await instance
    const after = config.serverPid === undefined ? undefined : cpuSecondsOf(config.serverPid)
    if (after) clock = after.clock
    const requests = result.requests.total
    const statusCodes: Record<string, number> = {}
    for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count
    const cpuSeconds = before && after && after.clock === before.clock ? after.seconds - before.seconds : Number.NaN
    return {
      kind,
      requests,
      seconds: result.duration,
      cpuSeconds,
      rps: requests / result.duration,
      rpsPerCpu: cpuSeconds > 0 ? requests / cpuSeconds : Number.NaN,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      poolLimited: result.duration < seconds - 0.2,
      statusCodes,
    }
  }
  if (config.warmupSeconds > 0) {
    await run('unbound', config.warmupSeconds / 2, false)
    await run('bound', config.warmupSeconds / 2, false)
  }
  const blocks: Block[] = []
  for (const kind of config.schedule) blocks.push(await run(kind, config.blockSeconds, true))
  const latency = {} as LoadChildResult['latency']
  for (const kind of KINDS) {
    const sorted = Float64Array.from(latencies[kind]).sort()
    latency[kind] = { p50: percentile(sorted, 50), p99: percentile(sorted, 99) }
  }
  const result: LoadChildResult = { blocks, latency, cpuClock: clock }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

export interface HashRate {
  variant: string
  /** MB (10⁶ bytes) hashed per CPU-second: median over the rounds, and the spread. */
  mbPerSecond: number
  min: number
  max: number
  /** CPU µs per body. */
  usPerBody: number
}

export interface HashResult {
  bodyBytes: number
  chunkBytes: number
  rounds: number
  seconds: number
  large: HashRate[]
  small: HashRate[]
  /** checkBody / checkBodyChunks refused a tampered body with body_mismatch (proves they check). */
  refusesTampered: boolean
}

interface HashChildConfig {
  seconds: number
  rounds: number
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined)
const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length === 0 ? Number.NaN : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

async function hashChild(config: HashChildConfig): Promise<void> {
  const { checkBody, checkBodyChunks, isAjwtError } = await import('@ajwt/core')
  const chunkBytes = 64 * 1024

  const variantsFor = (body: Buffer, chunkSize: number) => {
    const chunks: Buffer[] = []
    for (let offset = 0; offset < body.length; offset += chunkSize) chunks.push(body.subarray(offset, offset + chunkSize))
    const htb = createHash('sha256').update(body).digest('base64url')
    const auth = { binding: { htb, maxBodyBytes: 16 * MIB } }
    async function* source(): AsyncGenerator<Uint8Array> {
      for (const chunk of chunks) yield chunk
    }
    const stream = (): ReadableStream<Uint8Array> => {
      let i = 0
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (i < chunks.length) controller.enqueue(chunks[i++]!)
          else controller.close()
        },
      })
    }
    const variants: Record<string, () => unknown> = {
      'node:crypto createHash': () => {
        const hash = createHash('sha256')
        for (const chunk of chunks) hash.update(chunk)
        if (hash.digest('base64url') !== htb) throw new Error('createHash: wrong digest')
      },
      'createHash over an async iterable': async () => {
        const hash = createHash('sha256')
        for await (const chunk of source()) hash.update(chunk)
        if (hash.digest('base64url') !== htb) throw new Error('createHash: wrong digest')
      },
      'createHash over a ReadableStream': async () => {
        const hash = createHash('sha256')
        const reader = stream().getReader()
        for (;;) {
          const { done, value } = await reader.read()
          if (done) break
          hash.update(value)
        }
        if (hash.digest('base64url') !== htb) throw new Error('createHash: wrong digest')
      },
      'core checkBodyChunks (async iterable)': async () => {
        let bytes = 0
        for await (const chunk of checkBodyChunks(source(), auth)) bytes += chunk.byteLength
        if (bytes !== body.length) throw new Error('checkBodyChunks: lost bytes')
      },
      'core checkBody (web streams)': async () => {
        const reader = checkBody(stream(), auth).getReader()
        let bytes = 0
        for (;;) {
          const { done, value } = await reader.read()
          if (done) break
          bytes += value.byteLength
        }
        if (bytes !== body.length) throw new Error('checkBody: lost bytes')
      },
    }
    return { variants, chunks, auth }
  }

  /** Calls `step` for `seconds` of wall time; returns calls per CPU-second of this process. */
  const rate = async (seconds: number, step: () => unknown): Promise<number> => {
    const end = performance.now() + seconds * 1000
    const cpu = process.cpuUsage()
    let calls = 0
    do {
      for (let i = 0; i < 8; i++) {
        const result = step()
        if (result instanceof Promise) await result
      }
      calls += 8
    } while (performance.now() < end)
    const { user, system } = process.cpuUsage(cpu)
    return calls / ((user + system) / 1e6)
  }

  const measure = async (body: Buffer, chunkSize: number): Promise<HashRate[]> => {
    const { variants } = variantsFor(body, chunkSize)
    const order = Object.entries(variants)
    for (const [, step] of order) await rate(Math.min(0.2, config.seconds), step) // optimise every variant first
    const samples = new Map<string, number[]>()
    for (let round = 0; round < config.rounds; round++) {
      const shift = round % order.length
      for (const [name, step] of [...order.slice(shift), ...order.slice(0, shift)]) {
        gc()
        const calls = await rate(config.seconds, step)
        samples.set(name, [...(samples.get(name) ?? []), (calls * body.length) / 1e6])
      }
    }
    return order.map(([variant]) => {
      const mb = samples.get(variant)!
      const mbPerSecond = median(mb)
      return { variant, mbPerSecond, min: Math.min(...mb), max: Math.max(...mb), usPerBody: (body.length / (mbPerSecond * 1e6)) * 1e6 }
    })
  }

  // They must refuse a tampered body, or the speed means nothing.
  const large = randomBytes(MIB)
  const { auth } = variantsFor(large, chunkBytes)
  const tampered = Buffer.from(large)
  tampered[tampered.length - 1]! ^= 1
  const refusals: string[] = []
  try {
    for await (const _ of checkBodyChunks((async function* () { yield tampered })(), auth)) void _
  } catch (error) {
    if (isAjwtError(error)) refusals.push(error.code)
  }
  try {
    const reader = checkBody(new Blob([tampered]).stream(), auth).getReader()
    while (!(await reader.read()).done);
  } catch (error) {
    if (isAjwtError(error)) refusals.push(error.code)
  }

  const result: HashResult = {
    bodyBytes: large.length,
    chunkBytes,
    rounds: config.rounds,
    seconds: config.seconds,
    large: await measure(large, chunkBytes),
    small: await measure(Buffer.from(BODY), chunkBytes),
    refusesTampered: refusals.length === 2 && refusals.every((code) => code === 'body_mismatch'),
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

// ---------------------------------------------------------------------------------------------
// The orchestrator.

export interface Probe {
  /** What was sent, the status expected from a server that checks the binding, and what came back (0: no response). */
  name: string
  expected: number
  status: number
  error?: string
  /** The server process exited during the probes (after this one). */
  serverExited?: string
}

export interface KindResult {
  kind: TokenKind
  /** Pooled over every measured block of this kind. */
  requests: number
  cpuSeconds: number
  rpsPerCpu: number
  /** requests / wall seconds, pooled. */
  rps: number
  /** Server CPU µs per request, pooled. */
  cpuUsPerRequest: number
  /** Median over the rounds of the per-round latency percentiles (ms). */
  p50: number
  p99: number
}

export interface FrameworkResult {
  framework: BindingFramework
  probes: Probe[]
  /** Every measured block, in order, with its round. */
  blocks: (Block & { round: number })[]
  failures: string[]
  kinds: KindResult[]
  /** bound / unbound req/CPU-s of each adjacent pair of blocks (one of each kind), in order. */
  pairs: number[]
  /** The headline: the median of `pairs`, with a 95 % percentile-bootstrap interval (resampling pairs). */
  ratio: { median: number; ci95: [number, number]; min: number; max: number }
  /** bound / unbound req/CPU-s, each round's blocks pooled. */
  perRound: number[]
  /** The same over every block of the run. */
  pooledRatio: number
  /** Median over the pairs of the wall-clock req/s ratio. */
  wallRatio: number
  /** bound − unbound server CPU µs per request, pooled. */
  extraCpuUs: number
  /** ratio.median ≥ target. */
  meetsTarget: boolean
  /** The bootstrap interval lies wholly on one side of the target. */
  decided: boolean
}

export interface BindingRun {
  meta: {
    date: string
    node: string
    cpu: string
    cores: number
    pinned: boolean
    loadAverage: { start: number[]; end: number[] }
    commit?: string
    /** Seconds per measured block, blocks per round, rounds (a fresh server each). */
    blockSeconds: number
    blocksPerRound: number
    warmupSeconds: number
    rounds: number
    connections: number
    toleranceSeconds: number
    poolSize: number
    /** How the server's CPU time was read. */
    cpuClock: string
    signingSeconds: number
    bodyBytes: number
    /** Length of the Authorization header value of one token of each kind. */
    headerBytes: Record<TokenKind, number>
    /** Claims of one bound token (its nonce and time left out). */
    boundClaims: Record<string, unknown>
    target: number
    /** What the servers checked of a bound token. */
    mode: BindingMode
    wallSeconds: number
    /** Digests of the built packages measured, at the start and the end of the run (a difference: rebuilt meanwhile). */
    builds: { start: Record<string, string>; end: Record<string, string> }
  }
  http: FrameworkResult[]
  hashing?: HashResult
}

const SELF = fileURLToPath(import.meta.url)

/** A short digest of the built dist of @ajwt/core, @ajwt/express, @ajwt/fastify: to tell whether a rebuild happened during the run. */
function buildFingerprint(): Record<string, string> {
  const prints: Record<string, string> = {}
  for (const pkg of ['@ajwt/core', '@ajwt/express', '@ajwt/fastify']) {
    try {
      const dist = dirname(fileURLToPath(import.meta.resolve(pkg)))
      const hash = createHash('sha256')
      for (const file of readdirSync(dist).filter((f) => f.endsWith('.js')).sort()) hash.update(file).update(readFileSync(join(dist, file)))
      prints[pkg] = hash.digest('hex').slice(0, 12)
    } catch {
      prints[pkg] = 'missing'
    }
  }
  return prints
}
const NODE_ARGS = ['--disable-warning=ExperimentalWarning']

/** A loopback port free right now, reused by every server of the run (the bound tokens name it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

const stats = (values: readonly number[]) => ({ median: median(values), min: Math.min(...values), max: Math.max(...values) })

/** The status, or 0 with what went wrong when no response came (the connection closed, the server died). */
async function sendProbe(url: string, authorization: string | undefined, body: string): Promise<{ status: number; error?: string }> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body,
      signal: AbortSignal.timeout(10_000),
    })
    await response.arrayBuffer()
    return { status: response.status }
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    return { status: 0, error: `no response: ${cause?.code ?? cause?.message ?? (error as Error).message}` }
  }
}

/** Seeded, so that a report's interval can be recomputed from its JSON. */
function bootstrapMedianCi(values: readonly number[], resamples = 4000): [number, number] {
  if (values.length < 2) return [Number.NaN, Number.NaN]
  let seed = 0x9e3779b9
  const random = (): number => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const medians = new Float64Array(resamples)
  const sample = new Array<number>(values.length)
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < values.length; i++) sample[i] = values[Math.floor(random() * values.length)]!
    medians[r] = median(sample)
  }
  medians.sort()
  return [medians[Math.floor(0.025 * resamples)]!, medians[Math.floor(0.975 * resamples)]!]
}

function summarizeFramework(result: FrameworkResult, latency: Record<TokenKind, { p50: number[]; p99: number[] }>, rounds: number): void {
  const pooled = (blocks: readonly Block[]) => {
    const requests = blocks.reduce((sum, b) => sum + b.requests, 0)
    const cpuSeconds = blocks.reduce((sum, b) => sum + b.cpuSeconds, 0)
    const seconds = blocks.reduce((sum, b) => sum + b.seconds, 0)
    return { requests, cpuSeconds, rpsPerCpu: requests / cpuSeconds, rps: requests / seconds }
  }
  for (const block of result.blocks) {
    const where = `round ${block.round + 1}, ${block.kind} block`
    if (block.non2xx || block.errors || block.timeouts) result.failures.push(`${where}: ${block.non2xx} non-2xx, ${block.errors} errors, ${block.timeouts} timeouts`)
    if (block.poolLimited) result.failures.push(`${where}: the token pool ran out (raise AJWT_BENCH_MAX_RPS)`)
    if (!(block.cpuSeconds > 0)) result.failures.push(`${where}: no CPU time read for the server`)
  }
  result.kinds = KINDS.map((kind) => {
    const p = pooled(result.blocks.filter((b) => b.kind === kind))
    return { kind, ...p, cpuUsPerRequest: 1e6 / p.rpsPerCpu, p50: median(latency[kind].p50), p99: median(latency[kind].p99) }
  })
  const wall: number[] = []
  for (let round = 0; round < rounds; round++) {
    const blocks = result.blocks.filter((b) => b.round === round)
    const u = blocks.filter((b) => b.kind === 'unbound')
    const b = blocks.filter((x) => x.kind === 'bound')
    if (u.length && b.length) result.perRound.push(pooled(b).rpsPerCpu / pooled(u).rpsPerCpu)
    for (let i = 0; i + 1 < blocks.length; i += 2) {
      const [first, second] = [blocks[i]!, blocks[i + 1]!]
      if (first.kind === second.kind) continue
      const [ub, bb] = first.kind === 'unbound' ? [first, second] : [second, first]
      result.pairs.push(bb.rpsPerCpu / ub.rpsPerCpu)
      wall.push(bb.rps / ub.rps)
    }
  }
  const [unbound, bound] = result.kinds as [KindResult, KindResult]
  result.ratio = { median: median(result.pairs), ci95: bootstrapMedianCi(result.pairs), min: Math.min(...result.pairs), max: Math.max(...result.pairs) }
  result.pooledRatio = bound.rpsPerCpu / unbound.rpsPerCpu
  result.wallRatio = median(wall)
  result.extraCpuUs = bound.cpuUsPerRequest - unbound.cpuUsPerRequest
  result.meetsTarget = result.ratio.median >= TARGET
  result.decided = result.ratio.ci95[0] >= TARGET || result.ratio.ci95[1] < TARGET
}

export async function runBinding(options: BindingOptions): Promise<BindingRun> {
  const { log } = options
  const started = Date.now()
  const loadStart = loadavg()
  const buildsStart = buildFingerprint()
  const { createSigner, importPublicKey } = await import('@ajwt/core')
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const url = `${origin}${ROUTE}`
  const perRound = options.warmupSeconds + 2 * options.pairs * (options.blockSeconds + 0.1) + 2
  const reserve = Math.ceil(options.frameworks.length * options.rounds * perRound + 300)
  if (reserve >= options.toleranceSeconds) throw new Error(`the run takes ~${reserve} s: the tolerance (${options.toleranceSeconds} s) must be longer`)

  // Pools: one Ed25519 key, one token per request, every nonce fresh; bound tokens name this exact request.
  const { privateKey, publicKey } = generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  })
  await importPublicKey(publicKey) // fails early on a key core would not take
  const signer = createSigner({ username: USERNAME, privateKey })
  const request = { method: 'POST', url, body: BODY }
  // Each kind, per round: half the warm-up and `pairs` blocks. Every round runs on a fresh server.
  const poolSize = Math.ceil((options.warmupSeconds / 2 + options.pairs * options.blockSeconds) * options.maxRps)
  const dir = options.cacheDir
  mkdirSync(dir, { recursive: true })
  const files = {} as Record<TokenKind, string>
  const headerBytes = {} as Record<TokenKind, number>
  const signStart = performance.now()
  for (const kind of KINDS) {
    const lines = new Array<string>(poolSize)
    for (let i = 0; i < poolSize; i++) lines[i] = await (kind === 'bound' ? signer.authorization(request) : signer.authorization())
    if (new Set(lines).size !== poolSize) throw new Error(`the ${kind} pool repeats a token`)
    files[kind] = join(dir, `binding-${kind}.txt`)
    writeFileSync(files[kind], lines.join('\n'))
    headerBytes[kind] = lines[0]!.length
  }
  const signingSeconds = (performance.now() - signStart) / 1000
  log(`signed 2 × ${poolSize} Ed25519 tokens in ${signingSeconds.toFixed(1)} s (port ${port})`)
  const sample = await signer.token(request)
  const { nonce: _nonce, time: _time, ...boundClaims } = JSON.parse(Buffer.from(sample.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>

  const http: FrameworkResult[] = []
  const startServer = async (framework: BindingFramework, name?: string) => {
    const config: ServerChildConfig = {
      framework,
      port,
      publicKeyPem: publicKey,
      origin,
      mode: options.mode,
      toleranceSeconds: options.toleranceSeconds,
      maxSeconds: Math.ceil(perRound + 120),
    }
    const args = [...NODE_ARGS]
    if (options.cpuProfDir && name) args.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`, `--cpu-prof-name=binding-${name.replaceAll(' ', '-')}.cpuprofile`)
    for (let attempt = 1; ; attempt++) {
      const server = spawnOn(0, process.execPath, [...args, SELF, 'server', JSON.stringify(config)])
      try {
        await firstJsonLine<{ port: number }>(server, 30, `${framework} server`)
        return server
      } catch (error) {
        await stop(server)
        // A workspace package being rebuilt at this moment (its dist briefly missing): try again.
        if (attempt >= 4 || !String((error as Error).message).includes('ERR_MODULE_NOT_FOUND')) throw error
        log(`${framework} server: a package is missing (being rebuilt?), retrying in 5 s`)
        await new Promise((r) => setTimeout(r, 5000))
      }
    }
  }

  const probe = async (framework: BindingFramework): Promise<Probe[]> => {
    const server = await startServer(framework)
    try {
      const tampered = BODY.replace('"qty":2', '"qty":9')
      const unbound = await signer.authorization()
      const bound = await signer.authorization(request)
      // With binding 'off' a bound token is checked like an unbound one: a mismatch passes.
      const refused = options.mode === 'off' ? 200 : 401
      // The body probe last: it is the one that reaches the body parser with an error.
      const cases: [string, number, () => Promise<{ status: number; error?: string }>][] = [
        ['unbound token', 200, () => sendProbe(url, unbound, BODY)],
        ['unbound token again (replay)', 401, () => sendProbe(url, unbound, BODY)],
        ['bound token', 200, () => sendProbe(url, bound, BODY)],
        ['bound token again (replay)', 401, () => sendProbe(url, bound, BODY)],
        ['bound token signed for another path', refused, async () => sendProbe(url, await signer.authorization({ ...request, url: `${origin}/api/other` }), BODY)],
        ['bound token signed for PUT', refused, async () => sendProbe(url, await signer.authorization({ ...request, method: 'PUT' }), BODY)],
        ['bound token signed for another origin', refused, async () => sendProbe(url, await signer.authorization({ ...request, url: `http://127.0.0.1:${port + 1}${ROUTE}` }), BODY)],
        ['no Authorization header', 401, () => sendProbe(url, undefined, BODY)],
        ['bound token, body changed (same length)', refused, async () => sendProbe(url, await signer.authorization(request), tampered)],
      ]
      const probes: Probe[] = []
      let stderr = ''
      server.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString()
      })
      for (const [name, expected, send] of cases) {
        const probe: Probe = { name, expected, ...(await send()) }
        await new Promise((r) => setTimeout(r, 50))
        if (server.exitCode !== null || server.signalCode !== null) {
          const line = stderr.split('\n').find((l) => /Error/.test(l)) ?? stderr.trim().split('\n').pop() ?? ''
          probe.serverExited = `exit ${server.exitCode ?? server.signalCode}: ${line.trim()}`
          probes.push(probe)
          break
        }
        probes.push(probe)
      }
      return probes
    } finally {
      await stop(server)
    }
  }

  let cpuClock = 'none'
  /** One round: a fresh server, the warm-up, then `pairs` pairs of blocks, ABBA so that neither kind always goes first. */
  const runRound = async (framework: BindingFramework, round: number, result: FrameworkResult, latency: Record<TokenKind, { p50: number[]; p99: number[] }>): Promise<void> => {
    const name = `${framework}-r${round + 1}`
    const schedule: TokenKind[] = []
    for (let pair = 0; pair < options.pairs; pair++) schedule.push(...((pair + round) % 2 === 0 ? (['unbound', 'bound'] as const) : (['bound', 'unbound'] as const)))
    let server
    try {
      server = await startServer(framework, name)
      const config: LoadChildConfig = {
        url,
        tokensFiles: files,
        body: BODY,
        connections: options.connections,
        warmupSeconds: options.warmupSeconds,
        schedule,
        blockSeconds: options.blockSeconds,
      }
      if (server.pid !== undefined) config.serverPid = server.pid
      const load = spawnOn(1, process.execPath, [...NODE_ARGS, SELF, 'load', JSON.stringify(config)])
      try {
        const out = await firstJsonLine<LoadChildResult>(load, perRound + 60, `${framework} load`)
        cpuClock = out.cpuClock
        for (const kind of KINDS) {
          latency[kind].p50.push(out.latency[kind].p50)
          latency[kind].p99.push(out.latency[kind].p99)
        }
        for (const block of out.blocks) result.blocks.push({ ...block, round })
        const of = (kind: TokenKind) => {
          const blocks = out.blocks.filter((b) => b.kind === kind)
          const requests = blocks.reduce((sum, b) => sum + b.requests, 0)
          return { rps: requests / blocks.reduce((sum, b) => sum + b.seconds, 0), perCpu: requests / blocks.reduce((sum, b) => sum + b.cpuSeconds, 0) }
        }
        const [u, b] = [of('unbound'), of('bound')]
        const bad = out.blocks.filter((x) => x.non2xx || x.errors || x.timeouts || x.poolLimited).length
        log(
          `round ${round + 1} ${framework.padEnd(8)} unbound ${Math.round(u.perCpu).toString().padStart(6)} req/cpu-s (${Math.round(u.rps)} req/s)  ` +
            `bound ${Math.round(b.perCpu).toString().padStart(6)} req/cpu-s (${Math.round(b.rps)} req/s)  ratio ${(b.perCpu / u.perCpu).toFixed(3)}${bad ? `  ${bad} blocks with errors, non-2xx or an exhausted pool` : ''}`,
        )
      } finally {
        await stop(load)
      }
    } catch (error) {
      result.failures.push(`round ${round + 1}: ${(error as Error).message}`)
      log(`round ${round + 1} ${framework}: FAILED ${(error as Error).message.split('\n')[0]}`)
    } finally {
      if (server) await stop(server)
    }
  }

  for (const framework of options.frameworks) {
    const probes = await probe(framework)
    const wrong = probes.filter((p) => p.status !== p.expected)
    log(`${framework} probes: ${wrong.length === 0 ? 'as expected' : wrong.map((p) => `${p.name} → ${p.status || p.error} (expected ${p.expected})`).join('; ')}`)
    const result: FrameworkResult = {
      framework,
      probes,
      blocks: [],
      failures: [],
      kinds: [],
      pairs: [],
      ratio: { median: Number.NaN, ci95: [Number.NaN, Number.NaN], min: Number.NaN, max: Number.NaN },
      perRound: [],
      pooledRatio: Number.NaN,
      wallRatio: Number.NaN,
      extraCpuUs: Number.NaN,
      meetsTarget: false,
      decided: false,
    }
    const latency: Record<TokenKind, { p50: number[]; p99: number[] }> = { unbound: { p50: [], p99: [] }, bound: { p50: [], p99: [] } }
    for (let round = 0; round < options.rounds; round++) await runRound(framework, round, result, latency)
    summarizeFramework(result, latency, options.rounds)
    http.push(result)
    log(
      `${framework}: bound / unbound = ${result.ratio.median.toFixed(3)} (95 % CI ${result.ratio.ci95.map((x) => x.toFixed(3)).join('–')}, ${result.pairs.length} pairs), ` +
        `pooled ${result.pooledRatio.toFixed(3)}, ${result.extraCpuUs.toFixed(1)} µs more server CPU per request`,
    )
  }

  const run: BindingRun = {
    meta: {
      ...machineMeta(started, loadStart),
      blockSeconds: options.blockSeconds,
      blocksPerRound: 2 * options.pairs,
      warmupSeconds: options.warmupSeconds,
      rounds: options.rounds,
      connections: options.connections,
      toleranceSeconds: options.toleranceSeconds,
      poolSize,
      cpuClock,
      signingSeconds: Math.round(signingSeconds * 10) / 10,
      bodyBytes: Buffer.byteLength(BODY),
      headerBytes,
      boundClaims,
      target: TARGET,
      mode: options.mode,
      wallSeconds: 0,
      builds: { start: buildsStart, end: {} },
    },
    http,
  }
  try {
    run.meta.commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    // Not a git checkout.
  }

  if (options.hashSeconds > 0) {
    log('hashing …')
    const config: HashChildConfig = { seconds: options.hashSeconds, rounds: options.rounds }
    const child = spawnOn(0, process.execPath, ['--expose-gc', ...NODE_ARGS, SELF, 'hash', JSON.stringify(config)])
    try {
      run.hashing = await firstJsonLine<HashResult>(child, 60 + 8 * (options.rounds * options.hashSeconds + 0.2), 'hashing')
    } finally {
      await stop(child)
    }
    for (const rate of run.hashing.large) log(`1 MiB: ${rate.variant.padEnd(38)} ${rate.mbPerSecond.toFixed(0).padStart(6)} MB/s`)
  }
  run.meta.loadAverage.end = loadavg()
  run.meta.builds.end = buildFingerprint()
  run.meta.wallSeconds = Math.round((Date.now() - started) / 1000)
  return run
}

// ---------------------------------------------------------------------------------------------
// Reports.

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a')

export function markdown(run: BindingRun): string {
  const { meta } = run
  const lines: string[] = []
  lines.push('# Request binding: what it costs', '')
  lines.push(
    `${meta.date.slice(0, 16).replace('T', ' ')} UTC · Node ${meta.node} · ${meta.cpu} (${meta.cores} cores) · ` +
      `${meta.pinned ? 'server on core 0, autocannon on core 1 (taskset)' : 'not pinned'} · load average ${meta.loadAverage.start.map((l) => l.toFixed(2)).join(' ')} at the start, ` +
      `${meta.loadAverage.end.map((l) => l.toFixed(2)).join(' ')} at the end · ${meta.wallSeconds} s${meta.commit ? ` · commit ${meta.commit.slice(0, 10)} (plus the working tree's uncommitted changes, as built)` : ''}`,
    '',
  )
  const rebuilt = Object.keys(meta.builds.start).filter((pkg) => meta.builds.start[pkg] !== meta.builds.end[pkg])
  lines.push(
    rebuilt.length > 0
      ? `❗ **${rebuilt.join(', ')} ${rebuilt.length > 1 ? 'were' : 'was'} rebuilt during the run**: runs before and after measured different code (the two kinds of a round stay adjacent).`
      : `Built packages measured (sha-256 of their dist, unchanged through the run): ${Object.entries(meta.builds.start).map(([pkg, print]) => `\`${pkg}\` ${print}`).join(', ')}.`,
    '',
  )
  if (meta.mode === 'off') {
    lines.push(`❗ **Mode \`off\`: the servers ran with \`binding: 'off'\`**: bound tokens were verified like unbound ones, so the ratio below is what their extra claims alone cost, not binding.`, '')
  }
  lines.push('## Per request: bound against unbound token, same server, same POST', '')
  lines.push(
    `Requests per server CPU-second (req/s on a core of its own). In each of ${meta.rounds} rounds (a fresh server each) the two kinds of token alternate in ` +
      `${meta.blocksPerRound} blocks of ${meta.blockSeconds} s (U B B U U B …); **bound / unbound** is the median over every adjacent pair of blocks of the pair's ratio, ` +
      `with a 95 % bootstrap interval. Target: binding a small JSON request costs ≤ ${Math.round((1 - meta.target) * 100)} % of the unbound request's server CPU (ratio ≥ ${meta.target}).`,
    '',
  )
  lines.push('| framework | unbound req/CPU-s | bound req/CPU-s | **bound / unbound** | 95 % CI | pooled | per round | server CPU µs/request unbound → bound | wall-clock ratio | target |')
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | :---: |')
  for (const f of run.http) {
    const [u, b] = f.kinds as [KindResult, KindResult]
    const verdict = f.meetsTarget ? (f.decided ? '✅' : '✅ (CI crosses it)') : f.decided ? '❌' : '❌ (CI crosses it)'
    lines.push(
      `| ${f.framework} | ${fmt(u.rpsPerCpu)} | ${fmt(b.rpsPerCpu)} | **${f.ratio.median.toFixed(3)}** (${f.pairs.length} pairs, ${f.ratio.min.toFixed(2)}–${f.ratio.max.toFixed(2)}) | ` +
        `${f.ratio.ci95.map((x) => x.toFixed(3)).join('–')} | ${f.pooledRatio.toFixed(3)} | ${f.perRound.map((r) => r.toFixed(3)).join(', ')} | ` +
        `${fmt(u.cpuUsPerRequest, 1)} → ${fmt(b.cpuUsPerRequest, 1)} (${f.extraCpuUs >= 0 ? '+' : ''}${fmt(f.extraCpuUs, 1)}) | ${f.wallRatio.toFixed(3)} | ${verdict} |`,
    )
  }
  lines.push('')
  lines.push('| framework | tokens | requests measured | server CPU s | req/s (pooled) | p50 ms | p99 ms | failures |')
  lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |')
  for (const f of run.http) {
    f.kinds.forEach((k, i) => {
      const failures = i === 0 ? (f.failures.length ? f.failures.join('; ') : 'none') : ''
      lines.push(`| ${f.framework} | ${k.kind} | ${fmt(k.requests)} | ${k.cpuSeconds.toFixed(2)} | ${fmt(k.rps)} | ${k.p50.toFixed(2)} | ${k.p99.toFixed(2)} | ${failures} |`)
    })
  }
  lines.push('')
  lines.push('**Probes** (before the first round of each framework, on a server of their own; the status received, ❗ and the expected one when they differ):', '')
  const probeNames = [...new Set(run.http.flatMap((f) => f.probes.map((p) => p.name)))]
  lines.push(`| probe | ${run.http.map((f) => f.framework).join(' | ')} |`)
  lines.push(`| --- | ${run.http.map(() => '---:').join(' | ')} |`)
  for (const name of probeNames) {
    const cells = run.http.map((f) => {
      const p = f.probes.find((x) => x.name === name)
      if (!p) return 'not sent'
      const got = p.status === 0 ? (p.error ?? 'no response') : String(p.status)
      return `${got}${p.status === p.expected ? '' : ` ❗ (expected ${p.expected})`}${p.serverExited ? `; **the server process died** (${p.serverExited})` : ''}`
    })
    lines.push(`| ${name} | ${cells.join(' | ')} |`)
  }
  lines.push('')
  const broken = run.http.flatMap((f) => f.probes.filter((p) => p.status !== p.expected).map((p) => `${f.framework}: ${p.name}`))
  if (broken.length > 0) {
    lines.push(
      `❗ Unexpected probe results (${broken.join('; ')}). The probes run on their own server before the measured runs; ` +
        'the measured requests are all valid and never take those paths, so the throughput numbers stand, but the adapter needs fixing.',
      '',
    )
  }
  if (run.hashing) {
    const h = run.hashing
    const base = (rates: HashRate[]) => rates.find((r) => r.variant === 'node:crypto createHash')!.mbPerSecond
    lines.push(`## SHA-256 of a body: core's streaming check against node:crypto alone`, '')
    lines.push(
      `In one process on core 0, CPU time; MB = 10⁶ bytes; medians over ${h.rounds} rotated rounds of ${h.seconds} s each, min–max in brackets. ` +
        `Core's checks ${h.refusesTampered ? 'refused a tampered 1 MiB body with `body_mismatch` (checked before measuring)' : '**did not refuse a tampered body**: the numbers below measure nothing'}.`,
      '',
    )
    lines.push(`| variant | ${fmt(h.bodyBytes / MIB)} MiB body in ${h.chunkBytes / 1024} KiB chunks: MB/s | × createHash | ${fmt(run.meta.bodyBytes)}-byte body: µs per body | × createHash |`)
    lines.push('| --- | ---: | ---: | ---: | ---: |')
    for (const rate of h.large) {
      const small = h.small.find((s) => s.variant === rate.variant)!
      lines.push(
        `| ${rate.variant} | ${fmt(rate.mbPerSecond)} (${fmt(rate.min)}–${fmt(rate.max)}) | ${(rate.mbPerSecond / base(h.large)).toFixed(3)} | ` +
          `${fmt(small.usPerBody, 2)} | ${(base(h.small) / small.mbPerSecond).toFixed(2)}× the time |`,
      )
    }
    lines.push('')
  }
  lines.push('## Method', '')
  lines.push(
    `**HTTP.** Per framework, the same server for both kinds of token, as a child process pinned to core 0 and restarted for every round (a fresh \`MemoryNonceStore\`): ` +
      `\`@ajwt/express\` (\`ajwt()\`, then \`express.json()\`, then the route, then \`ajwtErrorHandler()\`) or \`@ajwt/fastify\` (the plugin's \`onRequest\` hook, Fastify's JSON parser), ` +
      `with a \`MemoryKeyStore\` holding one Ed25519 key, \`toleranceSeconds: ${meta.toleranceSeconds}\` and \`origins: ['http://127.0.0.1:<port>']\` (binding policy ${meta.mode === 'off' ? "\`'off'\`" : "\`'if-present'\`, the default"}); ` +
      `the route \`POST ${ROUTE}\` answers \`{ user, items }\` from the parsed body (400 without it). Every request sends the same ${meta.bodyBytes}-byte JSON body with a different pre-signed token from \`createSigner\`: ` +
      `**unbound** \`signer.authorization()\` (\`{ username, time, nonce }\`, Authorization header ${meta.headerBytes.unbound} bytes) or **bound** \`signer.authorization({ method: 'POST', url, body })\`, ` +
      `signed for the exact method, URL and body sent (adds ${Object.keys(meta.boundClaims).filter((k) => k !== 'username').map((k) => `\`${k}\``).join(', ')}; header ${meta.headerBytes.bound} bytes). ` +
      `The port is chosen once and reused by every server so that the bound tokens name the real URL. ${fmt(meta.poolSize)} tokens of each kind (${meta.signingSeconds} s to sign both pools), each used once per round; ` +
      `autocannon 9 on core 1, ${meta.connections} connections; ` +
      `per round, a fresh server and ${meta.warmupSeconds} s of warm-up (half each kind), then ${meta.blocksPerRound} blocks of ${meta.blockSeconds} s alternating U B B U U B … (the next round starts with the other kind), each block its own autocannon run; ` +
      `the server's CPU time over each block (${meta.cpuClock}) gives its requests per CPU-second. Short alternating blocks on one server cancel most of what a shared machine does to longer, separate runs ` +
      `(a first version with a 4 s run per kind and a fresh server per run saw per-round ratios from 0.50 to 1.50 on this machine). The latency columns are medians over the rounds.`,
    '',
  )
  lines.push(
    `**Hashing.** \`checkBodyChunks(asyncIterable, auth)\` and \`checkBody(readableStream, auth)\` from \`@ajwt/core\`'s public API with \`auth = { binding: { htb, maxBodyBytes: 16 MiB } }\` ` +
      `(\`htb\` the body's base64url SHA-256), each call consuming the whole output; the baseline is node:crypto \`createHash('sha256')\`, \`update\` per chunk, then \`digest\`. ` +
      `“createHash over an async iterable” / “… over a ReadableStream” are the baseline fed by the same async generator as \`checkBodyChunks\` / the same kind of source stream as \`checkBody\` (one chunk per \`pull\`), read the same way: ` +
      `what remains between each and core is core's own overhead (\`checkBody\`'s \`pipeThrough\` a \`TransformStream\`, \`checkBodyChunks\`'s async generator and the held-back last chunk).`,
    '',
  )
  lines.push('Run it with `pnpm --filter @ajwt/bench binding` (`AJWT_BENCH_FRAMEWORKS`=express,fastify, `AJWT_BINDING_BLOCK`, `AJWT_BINDING_PAIRS`, `AJWT_BENCH_WARMUP`, `AJWT_BENCH_ROUNDS`, `AJWT_BENCH_CONNECTIONS`, `AJWT_BENCH_MAX_RPS`, `AJWT_BINDING_HASH_SECONDS`, `AJWT_BINDING_MODE`=full|off, `AJWT_BENCH_CPU_PROF`, `AJWT_BENCH_OUT`).', '')
  return lines.join('\n')
}

export function writeBinding(run: BindingRun, dir: string): { md: string; json: string } {
  mkdirSync(dir, { recursive: true })
  // The diagnostic modes never overwrite the measurement of record.
  const base = run.meta.mode === 'full' ? 'binding' : `binding-${run.meta.mode}`
  const md = join(dir, `${base}.md`)
  const json = join(dir, `${base}.json`)
  writeFileSync(md, markdown(run))
  writeFileSync(json, `${JSON.stringify(run, null, 1)}\n`)
  return { md, json }
}

function bindingMode(value: string | undefined): BindingMode {
  if (value === undefined || value === '') return 'full'
  if (!BINDING_MODES.includes(value as BindingMode)) throw new Error(`AJWT_BINDING_MODE: "${value}" (one of ${BINDING_MODES.join(', ')})`)
  return value as BindingMode
}

export function optionsFromEnv(env: NodeJS.ProcessEnv, log: (line: string) => void): BindingOptions {
  const number = (value: string | undefined, fallback: number, name: string): number => {
    if (value === undefined || value === '') return fallback
    const n = Number(value)
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${value}"`)
    return n
  }
  const frameworks = (env.AJWT_BENCH_FRAMEWORKS ?? BINDING_FRAMEWORKS.join(',')).split(',').map((s) => s.trim()).filter(Boolean)
  for (const f of frameworks) if (!BINDING_FRAMEWORKS.includes(f as BindingFramework)) throw new Error(`AJWT_BENCH_FRAMEWORKS: "${f}" (one of ${BINDING_FRAMEWORKS.join(', ')})`)
  return {
    frameworks: frameworks as BindingFramework[],
    blockSeconds: number(env.AJWT_BINDING_BLOCK, 1, 'AJWT_BINDING_BLOCK'),
    pairs: Math.max(1, Math.round(number(env.AJWT_BINDING_PAIRS, 6, 'AJWT_BINDING_PAIRS'))),
    warmupSeconds: number(env.AJWT_BENCH_WARMUP, 1, 'AJWT_BENCH_WARMUP'),
    rounds: Math.max(1, Math.round(number(env.AJWT_BENCH_ROUNDS, 4, 'AJWT_BENCH_ROUNDS'))),
    connections: Math.max(1, Math.round(number(env.AJWT_BENCH_CONNECTIONS, 10, 'AJWT_BENCH_CONNECTIONS'))),
    toleranceSeconds: 3600,
    maxRps: number(env.AJWT_BENCH_MAX_RPS, 7000, 'AJWT_BENCH_MAX_RPS'),
    hashSeconds: number(env.AJWT_BINDING_HASH_SECONDS, 0.3, 'AJWT_BINDING_HASH_SECONDS'),
    mode: bindingMode(env.AJWT_BINDING_MODE),
    cacheDir: env.AJWT_BENCH_CACHE ?? fileURLToPath(new URL('../.cache', import.meta.url)),
    log,
    ...(env.AJWT_BENCH_CPU_PROF ? { cpuProfDir: env.AJWT_BENCH_CPU_PROF } : {}),
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [mode, json] = process.argv.slice(2)
  if (mode === 'server') await serverChild(JSON.parse(json!) as ServerChildConfig)
  else if (mode === 'load') await loadChild(JSON.parse(json!) as LoadChildConfig)
  else if (mode === 'hash') await hashChild(JSON.parse(json!) as HashChildConfig)
  else {
    const log = (line: string): void => {
      process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`)
    }
    try {
      const run = await runBinding(optionsFromEnv(process.env, log))
      const files = writeBinding(run, process.env.AJWT_BENCH_OUT ?? fileURLToPath(new URL('../results', import.meta.url)))
      log(`done in ${run.meta.wallSeconds} s: ${files.md}`)
      const failed = run.http.some((f) => f.failures.length > 0 || f.probes.some((p) => p.status !== p.expected)) || run.hashing?.refusesTampered === false
      if (failed) {
        log('FAILED: a run failed, answered non-2xx, or a probe got an unexpected status (see the report)')
        process.exitCode = 1
      }
    } catch (error) {
      log(`FAILED: ${(error as Error).stack ?? String(error)}`)
      process.exitCode = 1
    }
  }
}
