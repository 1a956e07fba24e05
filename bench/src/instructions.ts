// `pnpm --filter @ajwt/bench instructions` = `node src/instructions.ts`: the work of one request,
// counted in instructions rather than seconds. Each server runs under `valgrind --tool=callgrind`;
// after a warm-up its counters are zeroed, a fixed number of requests is sent one at a time over
// one keep-alive connection, and the counters are dumped: user-space instructions per request, all
// threads (V8's compiler and GC threads too). Unlike CPU time on a shared machine this repeats to
// within ~0.1 % whatever else runs, so it judges code changes and the per-core targets where the
// timed runs cannot. It does not count the kernel, cache misses or stalls. See bench/README.md.
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { loadavg, tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { firstJsonLine, machineLine, machineMeta, spawnOn, stop } from './processes.ts'
import type { ServerConfig } from './server.ts'
import { tokenPool } from './tokens.ts'
import { ALGS, FRAMEWORKS, PEERS, ROUTE, schemeOf, type Alg, type Framework, type Kind } from './types.ts'
import { envList } from './env-list.ts'

const run = promisify(execFile)
const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url))
const SELF = fileURLToPath(import.meta.url)

/** What can be counted: no auth (the framework's own work), the ceiling, the peer, ajwt + Memory. */
export const COUNTED_KINDS = ['bare', 'ceiling', 'peer', 'ajwt-memory'] as const satisfies readonly Kind[]
export type CountedKind = (typeof COUNTED_KINDS)[number]
/** ajwt + Memory against each reference, as the performance issue states them (more is better for ajwt). */
export const TARGET = { ceiling: 0.95, peer: 1 } as const

export interface Count {
  framework: Framework
  alg: Alg
  kind: CountedKind
  requests: number
  instructions: number
  /** Answered 200 out of `requests` (every counted request must be). */
  ok: number
}

export interface InstructionsOptions {
  frameworks: Framework[]
  algs: Alg[]
  kinds: CountedKind[]
  warmup: number
  requests: number
  jobs: number
  /** Keep-alive connections the requests go over (1: one request at a time). */
  connections: number
  cacheDir: string
  /** V8 flags for every server (the default makes the counts repeatable: see the README). */
  v8Flags: string[]
  /** More callgrind options, e.g. `--cache-sim=yes` (the count stays the first event, `Ir`). */
  valgrindFlags?: string[]
  /** Keep each server's callgrind dump here (for `callgrind_annotate`). */
  keepDir?: string
  /** Another build of @ajwt/core for the ajwt servers (`AJWT_BENCH_CORE`, as in the other benches). */
  core?: string
  log: (line: string) => void
}

export interface Row {
  framework: Framework
  alg: Alg
  kind: CountedKind
  perRequest: number
  /** perRequest minus the bare server's: what the authentication adds. */
  auth?: number
  /** The reference's instructions / ajwt's (so ≥ target is met), for the ceiling and the peer. */
  ratio?: number
  target?: number
  met?: boolean
}

export interface InstructionsResults {
  meta: Omit<InstructionsOptions, 'log' | 'cacheDir'> & ReturnType<typeof machineMeta> & { wallSeconds: number }
  counts: Count[]
  failures: string[]
}

export function instructionRows(counts: readonly Count[]): Row[] {
  const rows: Row[] = []
  const per = (c: Count): number => c.instructions / c.requests
  for (const c of counts) {
    const same = (kind: CountedKind) => counts.find((o) => o.framework === c.framework && o.alg === c.alg && o.kind === kind)
    const row: Row = { framework: c.framework, alg: c.alg, kind: c.kind, perRequest: per(c) }
    const bare = same('bare')
    if (bare && c.kind !== 'bare') row.auth = row.perRequest - per(bare)
    const ajwt = same('ajwt-memory')
    if (ajwt && (c.kind === 'ceiling' || c.kind === 'peer')) {
      row.ratio = row.perRequest / per(ajwt)
      row.target = TARGET[c.kind]
      row.met = row.ratio >= row.target
    }
    rows.push(row)
  }
  return rows
}

/** The total of a callgrind output file (`summary:` in a whole run's file, `totals:` in a dump). */
export function totalOf(callgrindOut: string): number {
  const match = /^(?:totals|summary):\s+(\d+)/m.exec(callgrindOut)
  if (!match) throw new Error('no totals in the callgrind output')
  return Number(match[1])
}

/** `n` GETs over `connections` keep-alive connections, each with the next token; returns how many got 200. */
async function send(port: number, tokens: readonly string[], from: number, n: number, scheme: string, connections: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections })
  let next = from
  let ok = 0
  const one = (token: string) =>
    new Promise<number>((resolve, reject) => {
      const request = http.get({ host: '127.0.0.1', port, path: ROUTE, agent, headers: { authorization: `${scheme} ${token}` } }, (response) => {
        response.resume()
        response.on('end', () => resolve(response.statusCode === 200 ? 1 : 0))
      })
      request.on('error', reject)
    })
  const connection = async (): Promise<void> => {
    while (next < from + n) {
      const answered = await one(tokens[next++]!)
      ok += answered
    }
  }
  try {
    await Promise.all(Array.from({ length: connections }, connection))
  } finally {
    agent.destroy()
  }
  return ok
}

async function count(framework: Framework, alg: Alg, kind: CountedKind, options: InstructionsOptions, tokens: readonly string[], publicKeyPem: string): Promise<Count> {
  const dir = mkdtempSync(join(tmpdir(), 'ajwt-callgrind-'))
  const out = join(dir, 'callgrind.out')
  const config: ServerConfig = { framework, kind, alg, publicKeyPem, toleranceSeconds: 3600, maxSeconds: 1800 }
  const env = { ...process.env }
  if (options.core) env.AJWT_BENCH_CORE = options.core
  else delete env.AJWT_BENCH_CORE
  const child = spawnOn(undefined, 'valgrind', ['--tool=callgrind', ...(options.valgrindFlags ?? []), '--instr-atstart=no', `--callgrind-out-file=${out}`, process.execPath, '--disable-warning=ExperimentalWarning', ...options.v8Flags, SERVER, JSON.stringify(config)], env)
  try {
    const { port } = await firstJsonLine<{ port: number }>(child, 300, `${framework} ${kind} ${alg} under valgrind`)
    const scheme = schemeOf(kind)
    await send(port, tokens, 0, options.warmup, scheme, options.connections)
    await run('callgrind_control', ['--instr=on', String(child.pid)])
    await run('callgrind_control', ['--zero', String(child.pid)])
    const ok = await send(port, tokens, options.warmup, options.requests, scheme, options.connections)
    await run('callgrind_control', ['--dump=counted', String(child.pid)])
    const dump = readFileSync(`${out}.1`, 'utf8')
    if (options.keepDir) writeFileSync(join(options.keepDir, `callgrind-${framework}-${alg}-${kind}.out`), dump)
    return { framework, alg, kind, requests: options.requests, ok, instructions: totalOf(dump) }
  } finally {
    await stop(child, 60_000)
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function runInstructions(options: InstructionsOptions): Promise<InstructionsResults> {
  const started = Date.now()
  const { log, cacheDir: _, keepDir: __, ...rest } = options
  const results: InstructionsResults = { meta: { ...rest, ...machineMeta(started, loadavg()), wallSeconds: 0 }, counts: [], failures: [] }
  for (const alg of options.algs) {
    const pool = await tokenPool(options.cacheDir, alg, options.warmup + options.requests, 3600, 1800, log)
    const tokens = readFileSync(pool.file, 'utf8').split('\n')
    const queue = options.frameworks.flatMap((framework) =>
      options.kinds.filter((kind) => kind !== 'peer' || PEERS[framework].algs.includes(alg)).map((kind) => ({ framework, kind })),
    )
    const worker = async (): Promise<void> => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const where = `${job.framework} ${alg} ${job.kind}`
        try {
          const c = await count(job.framework, alg, job.kind, options, tokens, pool.meta.publicKeyPem)
          results.counts.push(c)
          if (c.ok !== c.requests) results.failures.push(`${where}: ${c.requests - c.ok} of ${c.requests} requests not answered 200`)
          log(`${where}: ${Math.round(c.instructions / c.requests).toLocaleString('en-US')} instructions per request`)
        } catch (error) {
          results.failures.push(`${where}: ${(error as Error).message}`)
          log(`${where}: FAILED ${(error as Error).message.split('\n')[0]}`)
        }
      }
    }
    await Promise.all(Array.from({ length: options.jobs }, worker))
  }
  const order = (c: Count): string => `${FRAMEWORKS.indexOf(c.framework)}${ALGS.indexOf(c.alg)}${COUNTED_KINDS.indexOf(c.kind)}`
  results.counts.sort((a, b) => order(a).localeCompare(order(b)))
  results.meta.loadAverage.end = loadavg()
  results.meta.wallSeconds = Math.round((Date.now() - started) / 1000)
  return results
}

const NAMES: Record<Exclude<CountedKind, 'peer'>, string> = { bare: 'bare (no auth)', ceiling: 'ceiling: node:crypto by hand', 'ajwt-memory': 'ajwt + MemoryNonceStore' }

export function instructionsMarkdown(results: InstructionsResults, readme = '../README.md'): string {
  const { meta } = results
  const thousands = (n: number): string => (n / 1000).toFixed(1)
  const lines = [
    '# Instructions per request (callgrind)',
    '',
    `${machineLine(meta)} · ${Math.round(meta.wallSeconds / 60)} min`,
    '',
    `Each server under \`valgrind --tool=callgrind\`: ${meta.warmup} requests of warm-up, counters zeroed, then ${meta.requests} requests ${meta.connections === 1 ? 'one at a time over one keep-alive connection' : `over ${meta.connections} keep-alive connections at once`}, each with a fresh token; ` +
      `user-space instructions of every thread of the server, per request. Repeats to ~0.1 %; counts neither the kernel nor stalls. ` +
      `The ratio is the reference's instructions / ajwt's, so it reads like the timed targets (≥ ${TARGET.ceiling} the ceiling, ≥ ${TARGET.peer} the peer). Method: [README](${readme}#instructions-per-request).` +
      (meta.core ? ` ajwt's core: \`${meta.core}\`.` : ''),
    '',
    '| framework | alg | server | k instructions / request | of it, auth (− bare) | reference / ajwt | target |',
    '| --- | --- | --- | ---: | ---: | ---: | --- |',
  ]
  const rows = instructionRows(results.counts)
  for (const r of rows) {
    const name = r.kind === 'peer' ? `peer: ${PEERS[r.framework].name}` : NAMES[r.kind]
    lines.push(
      `| ${r.framework} | ${r.alg} | ${name} | ${thousands(r.perRequest)} | ${r.auth === undefined ? '' : thousands(r.auth)} | ${r.ratio === undefined ? '' : `**${r.ratio.toFixed(3)}**`} | ${r.target === undefined ? '' : `≥ ${r.target} ${r.met ? '✅' : '❌'}`} |`,
    )
  }
  for (const kind of ['ceiling', 'peer'] as const) {
    const judged = rows.filter((r) => r.kind === kind && r.met !== undefined)
    if (judged.length === 0) continue
    const worst = judged.reduce((a, b) => (b.ratio! < a.ratio! ? b : a))
    lines.push('', `**ajwt + Memory ≥ ${TARGET[kind].toFixed(2)}× the ${kind}, in instructions: ${judged.filter((r) => r.met).length} of ${judged.length} met**; lowest ${worst.framework} ${worst.alg} ${worst.ratio!.toFixed(3)}.`)
  }
  if (results.failures.length) lines.push('', '## Failures', '', ...results.failures.map((f) => `- ${f}`))
  lines.push('')
  return lines.join('\n')
}


if (process.argv[1] === SELF) {
  const env = process.env
  const log = (line: string): void => void process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`)
  try {
    await run('valgrind', ['--version'])
  } catch {
    throw new Error('instructions: valgrind is not installed (Debian: apt-get install valgrind)')
  }
  const options: InstructionsOptions = {
    frameworks: envList<Framework>(env.AJWT_BENCH_FRAMEWORKS, FRAMEWORKS, FRAMEWORKS, 'AJWT_BENCH_FRAMEWORKS'),
    algs: envList<Alg>(env.AJWT_BENCH_ALGS, ALGS, ['EdDSA', 'RS256'], 'AJWT_BENCH_ALGS'),
    kinds: envList<CountedKind>(env.AJWT_BENCH_KINDS, COUNTED_KINDS, COUNTED_KINDS, 'AJWT_BENCH_KINDS'),
    warmup: Number(env.AJWT_INSTR_WARMUP ?? 15000),
    requests: Number(env.AJWT_INSTR_REQUESTS ?? 2000),
    jobs: Number(env.AJWT_INSTR_JOBS ?? 2),
    connections: Number(env.AJWT_INSTR_CONNECTIONS ?? 1),
    v8Flags: (env.AJWT_INSTR_V8_FLAGS ?? '--predictable').split(' ').filter(Boolean),
    cacheDir: env.AJWT_BENCH_CACHE ?? fileURLToPath(new URL('../.cache', import.meta.url)),
    log,
  }
  if (env.AJWT_BENCH_CORE) options.core = env.AJWT_BENCH_CORE
  if (env.AJWT_INSTR_VALGRIND_FLAGS) options.valgrindFlags = env.AJWT_INSTR_VALGRIND_FLAGS.split(' ').filter(Boolean)
  if (env.AJWT_INSTR_KEEP) mkdirSync((options.keepDir = env.AJWT_INSTR_KEEP), { recursive: true })
  log(`instructions: ${options.frameworks.join(',')} · ${options.algs.join(',')} · ${options.kinds.join(',')} · ${options.warmup} + ${options.requests} requests, ${options.jobs} at once`)
  const results = await runInstructions(options)
  const dir = env.AJWT_BENCH_OUT ?? fileURLToPath(new URL('../results', import.meta.url))
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'instructions.json'), `${JSON.stringify(results, null, 2)}\n`)
  const readme = relative(dir, fileURLToPath(new URL('../README.md', import.meta.url)))
  writeFileSync(join(dir, 'instructions.md'), instructionsMarkdown(results, readme))
  process.stdout.write(instructionsMarkdown(results, readme))
  if (results.failures.length) process.exitCode = 1
}
