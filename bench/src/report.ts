// Summaries (medians, min–max, paired ratios) and the three report files: JSON, markdown, SVG.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BundleSize } from './bundle.ts'
import type { ConfigResult } from './harness.ts'
import type { MicroResult } from './micro.ts'
import { KINDS, type Alg, type Framework, type Kind } from './types.ts'
import { machineLine } from './processes.ts'

export interface Spread {
  median: number
  min: number
  max: number
}

export interface Summary {
  rps: Spread
  /** Requests per CPU-second of the server process: its req/s on a core of its own. */
  rpsPerCpu?: Spread
  /** The kernel's share of that CPU time (system calls, the network stack, wake-ups), per run. */
  kernelShare?: Spread
  p99: Spread
  requests: number
  non2xx: number
  errors: number
  poolLimited: boolean
}

export interface Ratio {
  framework: Framework
  alg: Alg
  /** ajwt with this nonce store (redis: RedisNonceStore on node-redis, ioredis: on ioredis) … */
  store: Store
  /** … against this configuration (memory: ajwt + MemoryNonceStore). */
  versus: 'peer' | 'ceiling' | 'memory'
  /** Median of the per-round ratios of requests per server CPU-second (each round's runs were made minutes apart at most). */
  cpuRatio?: Spread
  /** The same with wall-clock requests/s, which the other loads of a shared machine disturb more. */
  ratio: Spread
  /** See TARGETS; judged on `cpuRatio` (on `ratio` without it). */
  target?: number
  met?: boolean
}

export type Store = 'memory' | 'redis' | 'ioredis' | 'postgres'

export interface BenchMeta {
  date: string
  node: string
  cpu: string
  cores: number
  loadAverage: { start: number[]; end: number[] }
  pinned: boolean
  seconds: number
  warmupSeconds: number
  rounds: number
  connections: number
  toleranceSeconds: number
  pools: Record<string, { size: number; t0: number }>
  commit?: string
  wallSeconds: number
}

export interface BenchResults {
  meta: BenchMeta
  configs: (ConfigResult & { summary?: Summary })[]
  ratios: Ratio[]
  micro?: MicroResult
  bundles?: BundleSize[]
}

/**
 * The targets: ajwt + MemoryNonceStore ≥ 1.0× the peer and ≥ 0.95× the ceiling; ajwt + RedisNonceStore
 * (either client) ≥ 0.9× ajwt + MemoryNonceStore. PostgresNonceStore is reported, without a target.
 */
export const TARGETS: { store: Store; versus: Ratio['versus']; target: number; text: string }[] = [
  { store: 'memory', versus: 'peer', target: 1.0, text: 'ajwt + MemoryNonceStore ≥ 1.0× the peer' },
  { store: 'memory', versus: 'ceiling', target: 0.95, text: 'ajwt + MemoryNonceStore ≥ 0.95× the ceiling' },
  { store: 'redis', versus: 'memory', target: 0.9, text: 'ajwt + RedisNonceStore (node-redis) ≥ 0.9× ajwt + Memory' },
  { store: 'ioredis', versus: 'memory', target: 0.9, text: 'ajwt + RedisNonceStore (ioredis) ≥ 0.9× ajwt + Memory' },
]

const STORE_OF: Partial<Record<Kind, Store>> = { 'ajwt-memory': 'memory', 'ajwt-redis': 'redis', 'ajwt-ioredis': 'ioredis', 'ajwt-postgres': 'postgres' }

export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  const median = sorted.length === 0 ? 0 : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  return { median, min: sorted[0] ?? 0, max: sorted[sorted.length - 1] ?? 0 }
}

export function summarize(configs: ConfigResult[]): { configs: BenchResults['configs']; ratios: Ratio[] } {
  const summarized = configs.map((config) => {
    if (config.runs.length === 0) return config
    const perCpu = config.runs.flatMap((r) => (r.rpsPerCpu === undefined ? [] : [r.rpsPerCpu]))
    const kernel = config.runs.flatMap((r) => (r.kernelSeconds === undefined || !r.cpuSeconds ? [] : [r.kernelSeconds / r.cpuSeconds]))
    const summary: Summary = {
      ...(perCpu.length === config.runs.length ? { rpsPerCpu: spread(perCpu) } : {}),
      ...(kernel.length === config.runs.length ? { kernelShare: spread(kernel) } : {}),
      rps: spread(config.runs.map((r) => r.rps)),
      p99: spread(config.runs.map((r) => r.p99)),
      requests: config.runs.reduce((n, r) => n + r.requests, 0),
      non2xx: config.runs.reduce((n, r) => n + r.non2xx, 0),
      errors: config.runs.reduce((n, r) => n + r.errors + r.timeouts, 0),
      poolLimited: config.runs.some((r) => r.poolLimited),
    }
    return { ...config, summary }
  })
  const find = (framework: Framework, alg: Alg, kind: Kind): ConfigResult | undefined =>
    configs.find((c) => c.framework === framework && c.alg === alg && c.kind === kind && c.runs.length > 0)
  const ratios: Ratio[] = []
  for (const config of configs) {
    const store = STORE_OF[config.kind]
    if (store === undefined || config.runs.length === 0) continue
    const versusKinds: Ratio['versus'][] = store === 'memory' ? ['peer', 'ceiling'] : ['memory', 'ceiling']
    for (const versus of versusKinds) {
      const other = find(config.framework, config.alg, versus === 'memory' ? 'ajwt-memory' : versus)
      if (!other) continue
      const pairs = config.runs.flatMap((run) => {
        const match = other.runs.find((o) => o.round === run.round)
        return match ? [[run, match] as const] : []
      })
      if (pairs.length === 0) continue
      const ratio: Ratio = { framework: config.framework, alg: config.alg, store, versus, ratio: spread(pairs.map(([a, b]) => a.rps / b.rps)) }
      if (pairs.every(([a, b]) => a.rpsPerCpu !== undefined && b.rpsPerCpu !== undefined)) {
        ratio.cpuRatio = spread(pairs.map(([a, b]) => a.rpsPerCpu! / b.rpsPerCpu!))
      }
      const target = TARGETS.find((t) => t.store === store && t.versus === versus)
      if (target) {
        ratio.target = target.target
        ratio.met = (ratio.cpuRatio ?? ratio.ratio).median >= target.target
      }
      ratios.push(ratio)
    }
  }
  return { configs: summarized, ratios }
}

const KIND_NAMES: Record<Kind, string> = {
  bare: 'no auth',
  ceiling: 'ceiling',
  peer: 'peer',
  'ajwt-memory': 'ajwt + Memory',
  'ajwt-redis': 'ajwt + node-redis',
  'ajwt-ioredis': 'ajwt + ioredis',
  'ajwt-postgres': 'ajwt + Postgres',
}
const COLORS: Record<Kind, string> = {
  bare: '#9aa5b1',
  ceiling: '#3b82f6',
  peer: '#f59e0b',
  'ajwt-memory': '#10b981',
  'ajwt-redis': '#8b5cf6',
  'ajwt-ioredis': '#ec4899',
  'ajwt-postgres': '#0ea5e9',
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US')
const ms = (n: number): string => n.toFixed(n < 10 ? 2 : 1)
const x = (n: number): string => `${n.toFixed(2)}×`

/** The configurations of one framework and algorithm, in KINDS order; the bare route is shared by all algorithms. */
function group(results: BenchResults, framework: Framework, alg: Alg): BenchResults['configs'] {
  return KINDS.flatMap((kind) => results.configs.filter((c) => c.framework === framework && c.kind === kind && (kind === 'bare' || c.alg === alg)))
}

function groups(results: BenchResults): { framework: Framework; alg: Alg }[] {
  const seen: { framework: Framework; alg: Alg }[] = []
  for (const c of results.configs) {
    if (c.kind !== 'bare' && !seen.some((g) => g.framework === c.framework && g.alg === c.alg)) seen.push({ framework: c.framework, alg: c.alg })
  }
  return seen
}

export function markdown(results: BenchResults): string {
  const { meta } = results
  const lines: string[] = []
  lines.push(`# ajwt benchmark results`, '')
  lines.push(
    `${machineLine(meta)}${meta.commit ? ` · commit ${meta.commit.slice(0, 10)}` : ''}`,
    '',
    `Server on core 0, autocannon on core 1${meta.pinned ? '' : ' (NOT pinned: taskset missing)'}; ${meta.connections} connections; ${meta.warmupSeconds} s warm-up + ${meta.seconds} s measured per run; ${meta.rounds} interleaved rounds, a fresh server process per run; every request carries a distinct pre-signed token. Medians with min–max. Method: [README](../README.md).`,
    '',
  )
  lines.push('## ajwt against the peer, the ceiling, and with a shared nonce store', '')
  lines.push(
    'Median of the per-round ratios (min–max) of requests per server CPU-second, i.e. req/s on a core of its own; in brackets the same ratio of wall-clock req/s, which the other loads of a shared machine disturb more. The shared stores (Redis through node-redis or ioredis, PostgreSQL through pg) run on the load generator\'s core: their columns are what a claim costs the app server, against ajwt + MemoryNonceStore in the same round.',
    '',
  )
  const cell = (framework: Framework, alg: Alg, store: Store, versus: Ratio['versus']): string => {
    const r = results.ratios.find((q) => q.framework === framework && q.alg === alg && q.store === store && q.versus === versus)
    if (!r) {
      const kind: Kind = versus === 'memory' ? 'ajwt-memory' : versus
      const missing = results.configs.find((c) => c.framework === framework && c.alg === alg && c.kind === kind && !c.available)
      return missing ? 'n/a' : '—'
    }
    const mark = r.met === undefined ? '' : r.met ? ' ✅' : ' ❌'
    const main = r.cpuRatio ?? r.ratio
    return `${x(main.median)} (${main.min.toFixed(2)}–${main.max.toFixed(2)})${mark}${r.cpuRatio ? ` [wall ${x(r.ratio.median)}]` : ''}`
  }
  lines.push(
    '| framework | alg | ajwt+Memory / peer | ajwt+Memory / ceiling | ajwt+Redis (node-redis) / ajwt+Memory | ajwt+Redis (ioredis) / ajwt+Memory | ajwt+Postgres / ajwt+Memory |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  )
  for (const { framework, alg } of groups(results)) {
    const row = [cell(framework, alg, 'memory', 'peer'), cell(framework, alg, 'memory', 'ceiling'), cell(framework, alg, 'redis', 'memory'), cell(framework, alg, 'ioredis', 'memory'), cell(framework, alg, 'postgres', 'memory')]
    lines.push(`| ${framework} | ${alg} | ${row.join(' | ')} |`)
  }
  lines.push('', '### Targets', '')
  lines.push('| target | met | worst (framework, alg: median ratio) |', '| --- | --- | --- |')
  for (const t of TARGETS) {
    const judged = results.ratios.filter((r) => r.store === t.store && r.versus === t.versus && r.met !== undefined)
    if (judged.length === 0) continue
    const value = (r: Ratio): number => (r.cpuRatio ?? r.ratio).median
    const worst = judged.reduce((a, b) => (value(b) < value(a) ? b : a))
    const met = judged.filter((r) => r.met).length
    lines.push(`| ${t.text} | ${met} of ${judged.length}${met === judged.length ? ' ✅' : ' ❌'} | ${worst.framework}, ${worst.alg}: ${x(value(worst))} |`)
  }
  lines.push(
    '',
    'Each configuration here runs for its own seconds, minutes from the others: on a shared machine a row moves by ±0.1 between runs. ' +
      'For a verdict, compare in interleaved blocks: `AJWT_BENCH_KINDS=ajwt-memory,ceiling,peer pnpm --filter @ajwt/bench stores` (and the default kinds for the shared stores); see the README, "Targets, and what remains".',
  )
  lines.push('', '![requests per second](latest.svg)', '')
  lines.push('## Requests per second and p99 latency', '')
  lines.push(
    '| framework | alg | configuration | req/CPU-s (median) | min–max | CPU µs/req | kernel share | req/s (median) | min–max | p99 ms (median) | non-2xx | × ceiling (req/CPU-s) |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  )
  for (const { framework, alg } of groups(results)) {
    const configs = group(results, framework, alg)
    const ceilingSummary = configs.find((c) => c.kind === 'ceiling')?.summary
    const ceiling = (ceilingSummary?.rpsPerCpu ?? ceilingSummary?.rps)?.median
    for (const c of configs) {
      const label = `${KIND_NAMES[c.kind]}: ${c.label}`
      if (!c.summary) {
        lines.push(`| ${framework} | ${c.kind === 'bare' ? '—' : alg} | ${label} | ${c.available ? 'failed' : 'n/a'} |  |  |  |  |  |  |  |  |`)
        continue
      }
      const s = c.summary
      const cpu = s.rpsPerCpu
      const vsCeiling = ceiling ? x((cpu ?? s.rps).median / ceiling) : ''
      lines.push(
        `| ${framework} | ${c.kind === 'bare' ? '—' : alg} | ${label} | ${cpu ? int(cpu.median) : '—'} | ${cpu ? `${int(cpu.min)}–${int(cpu.max)}` : ''} | ${cpu ? (1e6 / cpu.median).toFixed(0) : ''} | ${s.kernelShare ? `${Math.round(s.kernelShare.median * 100)} %` : ''} | ${int(s.rps.median)} | ${int(s.rps.min)}–${int(s.rps.max)} | ${ms(s.p99.median)} | ${s.non2xx + s.errors} | ${vsCeiling} |`,
      )
    }
  }
  lines.push('', '## Probes: the status each configuration answered', '')
  lines.push('Sent once per configuration before its first run. The peers accept a replayed token: they have no nonce store.', '')
  lines.push('| framework | alg | configuration | valid | same token again | forged signature | unknown key | no header |', '| --- | --- | --- | --- | --- | --- | --- | --- |')
  for (const c of results.configs) {
    if (!c.probe) continue
    const p = c.probe
    lines.push(`| ${c.framework} | ${c.kind === 'bare' ? '—' : c.alg} | ${KIND_NAMES[c.kind]} | ${p.valid} | ${p.replay} | ${p.forged} | ${p.otherKey} | ${p.missing} |`)
  }
  const skipped = results.configs.filter((c) => !c.available || c.failures.length > 0)
  if (skipped.length) {
    lines.push('', '## Not measured', '')
    for (const c of skipped) {
      lines.push(`- ${c.framework} ${c.kind} ${c.alg}: ${c.reason ?? c.failures.map((f) => f.split('\n')[0]).join('; ')}`)
    }
  }
  if (results.micro) {
    lines.push('', '## Micro-benchmarks (one core, no HTTP)', '')
    lines.push('Verifications per CPU-second of the process (GC included), on distinct pool tokens; rotated interleaved rounds.', '')
    lines.push('| alg | verification | ops/CPU-s (median) | min–max | × crypto.verify |', '| --- | --- | ---: | ---: | ---: |')
    for (const r of results.micro.verify) {
      const raw = results.micro.verify.find((q) => q.alg === r.alg && q.variant === 'crypto.verify')!.opsPerSecond
      lines.push(`| ${r.alg} | ${r.variant}${r.poolLimited ? ' (pool ran out)' : ''} | ${int(r.opsPerSecond)} | ${int(r.min)}–${int(r.max)} | ${x(r.opsPerSecond / raw)} |`)
    }
    const n = results.micro.nonceStore
    lines.push(
      '',
      `MemoryNonceStore at ${int(n.liveEntries)} live entries: **${int(n.bytesPerEntry)} bytes per entry** (V8 heap and ArrayBuffers), **${int(n.nsPerClaimSteady)} ns of CPU per claim** in steady state (as many expiring as arriving; ${int(n.nsPerClaimFilling)} ns while filling). A bare Map check-and-set without expiry: ${int(n.nsPerMapCheckAndSet)} ns (the claim: ${x(n.nsPerClaimSteady / n.nsPerMapCheckAndSet)} of it; target ≤ 1.2×, ≤ 128 bytes per entry).`,
    )
  }
  if (results.bundles) {
    lines.push('', '## Worker bundle size (esbuild, minified, workerd conditions)', '')
    lines.push('| Worker | minified | gzip |', '| --- | ---: | ---: |')
    for (const b of results.bundles) lines.push(`| ${b.description} | ${(b.minified / 1024).toFixed(1)} KiB | ${(b.gzip / 1024).toFixed(1)} KiB |`)
  }
  lines.push('')
  return lines.join('\n')
}

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** Horizontal bars, one group per framework and algorithm: median req/s with a min–max whisker. */
export function svg(results: BenchResults): string {
  const width = 960
  const left = 190
  const right = 110
  const bar = 14
  const gap = 4
  const plot = width - left - right
  const metric = (summary: Summary): Spread => summary.rpsPerCpu ?? summary.rps
  const perCpu = results.configs.some((c) => c.summary?.rpsPerCpu)
  // The bare routes run 3–8× faster than any authenticated one: scale to the authenticated
  // configurations, and cut the bare bars at the edge with their value written beside.
  const all = results.configs.flatMap((c) => (c.summary && c.kind !== 'bare' ? [metric(c.summary).max] : []))
  const top = Math.max(1, ...all) * 1.05
  const scale = (value: number): number => (Math.min(value, top) / top) * plot
  const parts: string[] = []
  let y = 58
  for (const { framework, alg } of groups(results)) {
    const configs = group(results, framework, alg)
    parts.push(`<text x="10" y="${y + 12}" class="g">${escape(`${framework} · ${alg}`)}</text>`)
    y += 20
    for (const c of configs) {
      parts.push(`<text x="${left - 8}" y="${y + bar - 3}" class="l" text-anchor="end">${escape(KIND_NAMES[c.kind])}</text>`)
      if (c.summary) {
        const s = metric(c.summary)
        const w = scale(s.median)
        parts.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${bar}" fill="${COLORS[c.kind]}"><title>${escape(`${c.label}: ${int(s.median)} ${perCpu ? 'req/CPU-s' : 'req/s'} (${int(s.min)}–${int(s.max)}), ${int(c.summary.rps.median)} req/s, p99 ${ms(c.summary.p99.median)} ms`)}</title></rect>`)
        const x1 = left + scale(s.min)
        const x2 = left + scale(s.max)
        const mid = y + bar / 2
        if (s.median < top) {
          parts.push(`<path d="M${x1.toFixed(1)} ${mid}H${x2.toFixed(1)}M${x1.toFixed(1)} ${mid - 4}V${mid + 4}M${x2.toFixed(1)} ${mid - 4}V${mid + 4}" stroke="#1f2937" stroke-width="1"/>`)
        }
        const clipped = s.median >= top ? ' »' : ''
        parts.push(`<text x="${(Math.max(x2, left + w) + 6).toFixed(1)}" y="${y + bar - 3}" class="v">${int(s.median)}${clipped}</text>`)
      } else {
        parts.push(`<text x="${left + 4}" y="${y + bar - 3}" class="v">${c.available ? 'failed' : 'n/a'}</text>`)
      }
      y += bar + gap
    }
    y += 10
  }
  const height = y + 10
  const legend = KINDS.map((kind, i) => `<rect x="${10 + i * 135}" y="30" width="12" height="12" fill="${COLORS[kind]}"/><text x="${28 + i * 135}" y="40" class="l">${KIND_NAMES[kind]}</text>`).join('')
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">`,
    '<style>.g{font-size:13px;font-weight:600;fill:#111827}.l{font-size:12px;fill:#374151}.v{font-size:11px;fill:#111827}</style>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="18" class="g">ajwt benchmark: ${perCpu ? 'requests per server CPU-second' : 'requests/s'}, median of ${results.meta.rounds} rounds (whiskers: min–max) — ${escape(results.meta.date.slice(0, 10))}, Node ${escape(results.meta.node)}</text>`,
    legend,
    ...parts,
    '</svg>',
    '',
  ].join('\n')
}

export function writeReports(results: BenchResults, dir: string): { json: string; md: string; svg: string } {
  mkdirSync(dir, { recursive: true })
  const files = { json: join(dir, 'latest.json'), md: join(dir, 'latest.md'), svg: join(dir, 'latest.svg') }
  writeFileSync(files.json, `${JSON.stringify(results, null, 2)}\n`)
  writeFileSync(files.md, markdown(results))
  writeFileSync(files.svg, svg(results))
  return files
}
