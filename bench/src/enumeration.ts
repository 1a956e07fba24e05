// Can usernames be enumerated by timing? Per adapter and algorithm, one `ajwt-memory` server on
// core 0 (src/server.ts, one user `bench`) and this process as the client on core 1, over ONE
// keep-alive connection, alternating two classes of requests that must both be refused (401):
//   A: the known user, signed by a stranger key under the real key's kid → one failed signature check;
//   B: an unknown user `mallory-<random>`, same stranger key and kid → the unknown-user path,
//      which spends one check on the verifier's stand-in key.
// Every token is fresh (own nonce) and pre-signed; each request is timed from write to the end of
// its response. `node src/enumeration.ts` writes results/enumeration.{md,json}.
import { generateKeyPairSync, randomBytes, createPrivateKey, type KeyObject } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { Agent, request, type IncomingHttpHeaders } from 'node:http'
import type { Socket } from 'node:net'
import { cpus, loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createVerifier, importPublicKey, MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
import { canPin, firstJsonLine, spawnOn, stop } from './processes.ts'
import type { ServerConfig } from './server.ts'
import { signToken } from './tokens.ts'
import { FRAMEWORKS, ROUTE, USERNAME, type Alg, type Framework } from './types.ts'

export interface EnumerationOptions {
  frameworks: readonly Framework[]
  algs: readonly Alg[]
  /** Measured requests per class. */
  n: number
  /** Warm-up requests (both classes, alternating), not measured. */
  warmup: number
  /** Bootstrap resamples for the interval of the median difference (0: none). */
  bootstrap: number
  /** Order within each measured pair: A then B (default), or B then A (to see an order effect). */
  order?: 'AB' | 'BA'
  toleranceSeconds: number
  log: (line: string) => void
}

export interface ClassStats {
  median: number
  p90: number
  /** Median of the first half of the class's requests minus that of the second half. */
  halvesDelta: number
  /** Every measured time, in request order (µs). */
  samples: number[]
}

export interface EnumerationResult {
  framework: Framework
  alg: Alg
  /** What the verifier says, in process, to one token of each class (proves what is measured). */
  codes: { A: string; B: string }
  /** Status code → count, over warm-up and measurement, both classes. */
  statuses: Record<string, number>
  /** Response bodies of the two classes are byte-identical (and headers, but Date/Content-Length… are compared as names only). */
  sameBody: boolean
  /** TCP connections the agent opened (1 = everything went over one keep-alive connection). */
  connections: number
  A: ClassStats
  B: ClassStats
  /** median(B) − median(A), µs. */
  diff: number
  /** 95 % percentile-bootstrap interval of `diff`, µs. */
  ci95?: [number, number]
  /**
   * Median, over every measured request but the first and last, of its time minus the mean of its
   * two neighbours (which are of the other class), negated for A: B − A between adjacent requests,
   * free of slow drifts and of the order within a pair, µs.
   */
  neighbourMedian: number
}

export interface EnumerationRun {
  meta: {
    date: string
    node: string
    n: number
    warmup: number
    bootstrap: number
    order: 'AB' | 'BA'
    toleranceSeconds: number
    pinned: string
    /** The built @ajwt/core (what the servers run) contains the stand-in check (`loadStandIns`), at the end of the run. */
    coreHasStandIn: boolean
    cpus: number
    loadavgStart: number[]
    loadavgEnd: number[]
    wallSeconds: number
  }
  results: EnumerationResult[]
}

const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url))

const median = (sorted: ArrayLike<number>): number => {
  const n = sorted.length
  const mid = n >> 1
  return n % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
const quantile = (sorted: ArrayLike<number>, q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!
const sortedCopy = (values: readonly number[]): Float64Array => Float64Array.from(values).sort()

function classStats(samples: number[]): ClassStats {
  const sorted = sortedCopy(samples)
  const half = samples.length >> 1
  return {
    median: median(sorted),
    p90: quantile(sorted, 0.9),
    halvesDelta: median(sortedCopy(samples.slice(0, half))) - median(sortedCopy(samples.slice(half))),
    samples: samples.map((value) => Math.round(value * 10) / 10),
  }
}

/** Percentile bootstrap of median(b) − median(a), resampling each class independently; seeded. */
function bootstrapCi(a: readonly number[], b: readonly number[], resamples: number): [number, number] {
  let seed = 0x9e3779b9
  const random = (): number => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0
    let t = seed
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const resample = (values: readonly number[], into: Float64Array): number => {
    for (let i = 0; i < into.length; i++) into[i] = values[Math.floor(random() * values.length)]!
    return median(into.sort())
  }
  const bufA = new Float64Array(a.length)
  const bufB = new Float64Array(b.length)
  const diffs = new Float64Array(resamples)
  for (let r = 0; r < resamples; r++) diffs[r] = resample(b, bufB) - resample(a, bufA)
  diffs.sort()
  return [quantile(diffs, 0.025), quantile(diffs, 0.975)]
}

/**
 * B − A between neighbours in the request stream (see `neighbourMedian`). A plain B_i − A_i would
 * be biased by position: consecutive requests on one connection are not time-reversible (with
 * A B pairs its median came out 3–11 µs negative in every configuration, and as positive with B A).
 */
function neighbourMedian(a: readonly number[], b: readonly number[], order: 'AB' | 'BA'): number {
  const stream: [number, 1 | -1][] = []
  for (let i = 0; i < a.length; i++) {
    if (order === 'AB') stream.push([a[i]!, -1], [b[i]!, 1])
    else stream.push([b[i]!, 1], [a[i]!, -1])
  }
  const local: number[] = []
  for (let t = 1; t < stream.length - 1; t++) {
    const [value, sign] = stream[t]!
    local.push(sign * (value - (stream[t - 1]![0] + stream[t + 1]![0]) / 2))
  }
  return median(sortedCopy(local))
}

interface Reply {
  status: number
  body: string
  headers: IncomingHttpHeaders
  micros: number
}

/** One request on the agent's connection, timed from write to the end of the response. */
function timedRequest(agent: Agent, port: number, token: string, sockets: Set<Socket>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: '127.0.0.1', port, path: ROUTE, method: 'GET', headers: { authorization: `JWT ${token}` } })
    req.on('socket', (socket) => sockets.add(socket))
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')))
    req.on('error', reject)
    let started = 0n
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () => {
        const micros = Number(process.hrtime.bigint() - started) / 1000
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('latin1'), headers: res.headers, micros })
      })
    })
    started = process.hrtime.bigint()
    req.end()
  })
}

interface Keys {
  publicKeyPem: string
  kid: string
  stranger: KeyObject
}

async function keysFor(alg: Alg): Promise<Keys> {
  const type = alg === 'EdDSA' ? 'ed25519' : 'rsa'
  const make = () =>
    generateKeyPairSync(type as 'rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    })
  const server = make()
  const stranger = make()
  return { publicKeyPem: server.publicKey, kid: (await importPublicKey(server.publicKey)).kid, stranger: createPrivateKey(stranger.privateKey) }
}

/** Pre-signs `count` pairs [A, B] of fresh tokens (own nonce each, time = now). */
function signPairs(alg: Alg, keys: Keys, count: number, toleranceSeconds: number): [string, string][] {
  const now = Math.floor(Date.now() / 1000)
  const exp = now + toleranceSeconds
  const random = randomBytes(36 * count)
  const pairs: [string, string][] = new Array(count)
  for (let i = 0; i < count; i++) {
    const base = 36 * i
    const nonceA = random.subarray(base, base + 16).toString('base64url')
    const nonceB = random.subarray(base + 16, base + 32).toString('base64url')
    const mallory = `mallory-${random.subarray(base + 32, base + 36).toString('hex')}`
    pairs[i] = [signToken(alg, keys.stranger, keys.kid, now, nonceA, exp), signToken(alg, keys.stranger, keys.kid, now, nonceB, exp, mallory)]
  }
  return pairs
}

/** In process: the codes the verifier gives one token of each class (must be invalid_signature, unknown_user). */
async function verdicts(keys: Keys, pair: [string, string], toleranceSeconds: number): Promise<{ A: string; B: string }> {
  const verifier = createVerifier({ keys: new MemoryKeyStore({ [USERNAME]: [keys.publicKeyPem] }), nonces: new MemoryNonceStore(), toleranceSeconds })
  const code = async (token: string): Promise<string> => {
    const result = await verifier.verify(`JWT ${token}`)
    return result.ok ? 'accepted' : result.error.code
  }
  return { A: await code(pair[0]), B: await code(pair[1]) }
}

async function measureOne(options: EnumerationOptions, framework: Framework, alg: Alg): Promise<EnumerationResult> {
  const { n, warmup, toleranceSeconds } = options
  const keys = await keysFor(alg)
  const warmPairs = signPairs(alg, keys, Math.ceil(warmup / 2), toleranceSeconds)
  const pairs = signPairs(alg, keys, n, toleranceSeconds)
  const codes = await verdicts(keys, warmPairs[0]!, toleranceSeconds)
  if (codes.A !== 'invalid_signature' || codes.B !== 'unknown_user') {
    throw new Error(`${framework} ${alg}: the tokens do not take the intended paths (A: ${codes.A}, B: ${codes.B})`)
  }

  const config: ServerConfig = { framework, kind: 'ajwt-memory', alg, publicKeyPem: keys.publicKeyPem, toleranceSeconds, maxSeconds: 600 }
  const args = ['--disable-warning=ExperimentalWarning', SERVER, JSON.stringify(config)]
  let server = spawnOn(0, process.execPath, args)
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const sockets = new Set<Socket>()
  try {
    let port: number
    for (let attempt = 1; ; attempt++) {
      try {
        ;({ port } = await firstJsonLine<{ port: number }>(server, 30, `${framework} ajwt-memory ${alg} server`))
        break
      } catch (error) {
        // A workspace package being rebuilt at this moment (its dist briefly missing): try again, as the harness does.
        if (attempt >= 6 || !String((error as Error).message).includes('ERR_MODULE_NOT_FOUND')) throw error
        options.log(`${framework} ${alg}: a package is missing (being rebuilt?), retrying in 5 s`)
        await stop(server)
        await new Promise((r) => setTimeout(r, 5000))
        server = spawnOn(0, process.execPath, args)
      }
    }
    const statuses: Record<string, number> = {}
    const bodies: { A?: string; B?: string } = {}
    const headerNames: { A?: string; B?: string } = {}
    let sameBody = true
    const send = async (token: string, cls: 'A' | 'B'): Promise<number> => {
      const reply = await timedRequest(agent, port, token, sockets)
      statuses[reply.status] = (statuses[reply.status] ?? 0) + 1
      if (reply.status !== 401) {
        throw new Error(`${framework} ${alg}: class ${cls} got ${reply.status}, not 401: ${reply.body.slice(0, 300)}`)
      }
      const names = Object.keys(reply.headers).sort().join(',')
      if (bodies[cls] === undefined) {
        bodies[cls] = reply.body
        headerNames[cls] = names
      } else if (bodies[cls] !== reply.body || headerNames[cls] !== names) sameBody = false
      return reply.micros
    }
    for (const [a, b] of warmPairs) {
      await send(a, 'A')
      await send(b, 'B')
    }
    const a: number[] = []
    const b: number[] = []
    for (const [tokenA, tokenB] of pairs) {
      if (options.order === 'BA') {
        b.push(await send(tokenB, 'B'))
        a.push(await send(tokenA, 'A'))
      } else {
        a.push(await send(tokenA, 'A'))
        b.push(await send(tokenB, 'B'))
      }
    }
    if (bodies.A !== bodies.B || headerNames.A !== headerNames.B) sameBody = false
    const A = classStats(a)
    const B = classStats(b)
    const result: EnumerationResult = {
      framework,
      alg,
      codes,
      statuses,
      sameBody,
      connections: sockets.size,
      A,
      B,
      diff: B.median - A.median,
      neighbourMedian: neighbourMedian(a, b, options.order ?? 'AB'),
    }
    if (options.bootstrap > 0) result.ci95 = bootstrapCi(a, b, options.bootstrap)
    return result
  } finally {
    agent.destroy()
    await stop(server)
  }
}

/** Runs every (framework, alg) in turn; throws on the first reply that is not a 401. */
export async function runEnumeration(options: EnumerationOptions): Promise<EnumerationRun> {
  const started = performance.now()
  const loadavgStart = loadavg()
  const results: EnumerationResult[] = []
  for (const framework of options.frameworks) {
    for (const alg of options.algs) {
      const result = await measureOne(options, framework, alg)
      results.push(result)
      options.log(
        `${framework.padEnd(8)} ${alg.padEnd(6)} A ${us(result.A.median)} B ${us(result.B.median)} B−A ${signed(result.diff)} µs` +
          (result.ci95 ? ` [${signed(result.ci95[0])}, ${signed(result.ci95[1])}]` : '') +
          ` halves A ${signed(result.A.halvesDelta)} B ${signed(result.B.halvesDelta)}`,
      )
    }
  }
  return {
    meta: {
      date: new Date().toISOString(),
      node: process.version,
      n: options.n,
      warmup: options.warmup,
      bootstrap: options.bootstrap,
      order: options.order ?? 'AB',
      toleranceSeconds: options.toleranceSeconds,
      pinned: pinnedDescription(),
      coreHasStandIn: coreHasStandIn(),
      cpus: cpus().length,
      loadavgStart,
      loadavgEnd: loadavg(),
      wallSeconds: Math.round((performance.now() - started) / 100) / 10,
    },
    results,
  }
}

function coreHasStandIn(): boolean {
  try {
    const dist = dirname(fileURLToPath(import.meta.resolve('@ajwt/core')))
    return readdirSync(dist).some((file) => file.endsWith('.js') && readFileSync(join(dist, file), 'utf8').includes('loadStandIns'))
  } catch {
    return false
  }
}

let pinnedNote = 'not pinned'
const pinnedDescription = (): string => pinnedNote

/** Moves every thread of this process (the client) to `core`, when taskset is there; call after canPin(). */
function pinSelf(core: number): void {
  if (!canPin()) {
    pinnedNote = 'not pinned (no taskset or fewer than 2 cores)'
    return
  }
  const result = spawnSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)])
  pinnedNote = result.status === 0 ? `server on core 0, client on core ${core} (taskset)` : `server on core 0, client not pinned (taskset -p failed)`
}

const us = (value: number): string => value.toFixed(1).padStart(7)
const signed = (value: number): string => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(1)}`

export function markdown(run: EnumerationRun): string {
  const { meta } = run
  const rows = run.results.map((r) => {
    const ci = r.ci95 ? `${signed(r.ci95[0])} … ${signed(r.ci95[1])}` : 'n/a'
    const inNoise = r.ci95 ? (r.ci95[0] <= 0 && r.ci95[1] >= 0 ? 'yes' : 'no') : 'n/a'
    return (
      `| ${r.framework} | ${r.alg} | ${r.A.median.toFixed(1)} | ${r.B.median.toFixed(1)} | **${signed(r.diff)}** | ${ci} | ${inNoise} | ` +
      `${signed(r.neighbourMedian)} | ${signed(r.A.halvesDelta)} | ${signed(r.B.halvesDelta)} | ${r.A.p90.toFixed(1)} | ${r.B.p90.toFixed(1)} |`
    )
  })
  const allSame = run.results.every((r) => r.sameBody)
  const oneConnection = run.results.every((r) => r.connections === 1)
  return `# Username enumeration by timing

${meta.date.slice(0, 16).replace('T', ' ')} UTC · Node ${meta.node} · ${meta.cpus} cores · ${meta.pinned} · load average ${meta.loadavgStart.map((l) => l.toFixed(2)).join(' ')} at the start, ${meta.loadavgEnd.map((l) => l.toFixed(2)).join(' ')} at the end · ${meta.wallSeconds} s

Per request, µs, from write to the end of the response; N = ${meta.n} per class after ${meta.warmup} warm-up requests.
**A**: the known user, a signature by a stranger key under the real key's kid (one failed signature check).
**B**: an unknown user, same stranger key and kid (the stand-in check).

| framework | alg | median A | median B | B − A | 95 % CI of B − A | CI ∋ 0 | neighbour B − A | A: 1st − 2nd half | B: 1st − 2nd half | p90 A | p90 B |
| --- | --- | ---: | ---: | ---: | ---: | :---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

Every reply was 401 (the run fails otherwise). ${meta.coreHasStandIn ? 'The built `@ajwt/core` the servers ran has the stand-in check.' : '**The built `@ajwt/core` did not contain the stand-in check at the end of the run.**'} ${allSame ? 'The two classes got byte-identical bodies and the same header names.' : '**The two classes did not always get identical bodies/header names**: see the JSON.'} ${oneConnection ? 'Each configuration used one connection throughout.' : '**Some configuration opened more than one connection**: see `connections` in the JSON.'}

**Method.** For each framework and algorithm, \`src/server.ts\` runs \`@ajwt/<framework>\` with a \`MemoryKeyStore\` holding one user (\`${USERNAME}\`) and a \`MemoryNonceStore\`, as a child process; this process is the client (${meta.pinned}). Before the server starts, every token is signed (a fresh key pair for the server and a stranger key pair per configuration; \`time\` = now, a fresh nonce each, the server's window is ±${meta.toleranceSeconds} s) and one token of each class is checked in process to get \`invalid_signature\` (A) and \`unknown_user\` (B) from \`createVerifier\`. The requests then go sequentially over one keep-alive connection (\`http.Agent\`, \`maxSockets: 1\`), alternating ${meta.order === 'BA' ? 'B A B A' : 'A B A B'} …: ${meta.warmup} warm-up requests, then ${meta.n} of each class, each timed with \`process.hrtime.bigint()\` from \`req.end()\` to the response's \`end\`. B − A is the difference of the medians; its 95 % interval is a percentile bootstrap (${meta.bootstrap} resamples of each class, independently); “neighbour B − A” is the median, over the request stream, of each request's time minus the mean of its two neighbours (of the other class), signed so that positive means B slower: it cancels slow drifts of the machine and, unlike a plain B_i − A_i, the position within a pair (which alone moves a pair's median difference by 3–11 µs); the half columns (median of the first ${meta.n / 2} minus the last ${meta.n / 2} of a class) show how much a median moves by itself within one run. B's usernames (\`mallory-\` + 8 hex) are 11 characters longer than \`${USERNAME}\`, so B's tokens are ~15 bytes longer. Run with \`pnpm --filter @ajwt/bench enumeration\` (\`AJWT_ENUM_N\`, \`AJWT_ENUM_WARMUP\`, \`AJWT_ENUM_BOOTSTRAP\`, \`AJWT_ENUM_ORDER\`=BA, \`AJWT_BENCH_FRAMEWORKS\`, \`AJWT_BENCH_ALGS\`, \`AJWT_BENCH_OUT\`).
`
}

export function optionsFromEnv(env: NodeJS.ProcessEnv, log: (line: string) => void): EnumerationOptions {
  const list = <T extends string>(value: string | undefined, all: readonly T[]): T[] => {
    if (!value) return [...all]
    const picked = value.split(',').map((s) => s.trim()).filter(Boolean) as T[]
    for (const p of picked) if (!all.includes(p)) throw new Error(`unknown value ${p} (expected one of ${all.join(', ')})`)
    return picked
  }
  const int = (value: string | undefined, fallback: number, name: string): number => {
    const parsed = value === undefined || value === '' ? fallback : Number(value)
    if (!Number.isSafeInteger(parsed) || parsed < 0) throw new Error(`${name} must be a non-negative integer`)
    return parsed
  }
  const n = int(env.AJWT_ENUM_N, 1000, 'AJWT_ENUM_N')
  if (n < 2) throw new Error('AJWT_ENUM_N must be at least 2')
  return {
    frameworks: list(env.AJWT_BENCH_FRAMEWORKS, FRAMEWORKS),
    algs: list(env.AJWT_BENCH_ALGS, ['EdDSA', 'RS256', 'RS512'] as const),
    n,
    warmup: int(env.AJWT_ENUM_WARMUP, 300, 'AJWT_ENUM_WARMUP'),
    bootstrap: int(env.AJWT_ENUM_BOOTSTRAP, 2000, 'AJWT_ENUM_BOOTSTRAP'),
    order: list(env.AJWT_ENUM_ORDER, ['AB', 'BA'] as const)[0] ?? 'AB',
    toleranceSeconds: 3600,
    log,
  }
}

export function writeEnumeration(run: EnumerationRun, dir: string): { md: string; json: string } {
  mkdirSync(dir, { recursive: true })
  const md = join(dir, 'enumeration.md')
  const json = join(dir, 'enumeration.json')
  writeFileSync(md, markdown(run))
  writeFileSync(json, `${JSON.stringify(run, null, 1)}\n`)
  return { md, json }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const log = (line: string): void => {
    process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`)
  }
  const env = { ...process.env }
  env.AJWT_BENCH_ALGS ??= 'EdDSA,RS256'
  const options = optionsFromEnv(env, log)
  canPin() // decided before pinning ourselves (after which this process sees one core)
  pinSelf(1)
  log(`${options.frameworks.join(',')} × ${options.algs.join(',')} · N ${options.n} per class · warm-up ${options.warmup} · ${pinnedDescription()} · load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  try {
    const run = await runEnumeration(options)
    const files = writeEnumeration(run, process.env.AJWT_BENCH_OUT ?? fileURLToPath(new URL('../results', import.meta.url)))
    log(`done in ${run.meta.wallSeconds} s: ${files.md}`)
  } catch (error) {
    log(`FAILED: ${(error as Error).stack ?? String(error)}`)
    process.exitCode = 1
  }
}
