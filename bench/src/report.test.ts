import { describe, expect, it } from 'vitest'
import type { ConfigResult } from './harness.ts'
import type { LoadResult } from './load.ts'
import { markdown, spread, summarize, svg, type BenchResults } from './report.ts'
import type { Kind } from './types.ts'

const run = (round: number, rps: number, p99 = 2, rpsPerCpu?: number): LoadResult & { round: number } => ({
  ...(rpsPerCpu === undefined ? {} : { rpsPerCpu, cpuSeconds: (rps * 2) / rpsPerCpu }),
  round,
  rps,
  p99,
  p50: 1,
  p90: 1.5,
  max: 9,
  requests: rps * 2,
  seconds: 2,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  poolLimited: false,
  tokensUsed: rps * 2,
  statusCodes: { 200: rps * 2 },
})

const config = (kind: Kind, runs: (LoadResult & { round: number })[], available = true): ConfigResult => ({
  framework: 'koa',
  alg: 'RS256',
  kind,
  label: kind,
  available,
  runs,
  failures: [],
})

const META: BenchResults['meta'] = {
  date: '2026-11-25T20:00:00.000Z',
  node: '24.21.0',
  cpu: 'test',
  cores: 2,
  loadAverage: { start: [1, 1, 1], end: [1, 1, 1] },
  pinned: true,
  seconds: 2,
  warmupSeconds: 1,
  rounds: 1,
  connections: 10,
  toleranceSeconds: 3600,
  pools: {},
  wallSeconds: 10,
}

describe('summaries', () => {
  it('takes the median and the extremes', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 })
    expect(spread([4, 1, 2, 3])).toEqual({ median: 2.5, min: 1, max: 4 })
  })

  it('pairs ratios by round, skips rounds one side lacks, and checks the targets for the memory store only', () => {
    const { ratios } = summarize([
      config('ceiling', [run(0, 1000), run(1, 2000), run(2, 1000)]),
      config('peer', [run(0, 800), run(2, 1000)]),
      config('ajwt-memory', [run(0, 900), run(1, 1000), run(2, 900)]),
      config('ajwt-redis', [run(0, 400), run(1, 500), run(2, 450)]),
      config('ajwt-ioredis', [run(0, 900), run(1, 900), run(2, 900)]),
      config('ajwt-postgres', [run(0, 450), run(1, 500)]),
    ])
    const get = (store: string, versus: string) => ratios.find((r) => r.store === store && r.versus === versus)!
    // Round 1 has no peer run: only rounds 0 and 2 pair up (900/800, 900/1000).
    expect(get('memory', 'peer').ratio).toEqual({ median: (1.125 + 0.9) / 2, min: 0.9, max: 1.125 })
    expect(get('memory', 'peer')).toMatchObject({ target: 1, met: true })
    expect(get('memory', 'ceiling').ratio).toEqual({ median: 0.9, min: 0.5, max: 0.9 })
    expect(get('memory', 'ceiling')).toMatchObject({ target: 0.95, met: false })
    expect(get('redis', 'ceiling').ratio.median).toBe(0.4)
    expect(get('redis', 'ceiling').target).toBeUndefined()
    // The shared stores against ajwt + MemoryNonceStore of the same round: ≥ 0.9 for Redis, no target for Postgres.
    expect(get('redis', 'memory')).toMatchObject({ ratio: { median: 0.5, min: 4 / 9, max: 0.5 }, target: 0.9, met: false })
    expect(get('ioredis', 'memory')).toMatchObject({ ratio: { median: 1, min: 0.9, max: 1 }, target: 0.9, met: true })
    expect(get('postgres', 'memory').ratio).toEqual({ median: 0.5, min: 0.5, max: 0.5 })
    expect(get('postgres', 'memory').target).toBeUndefined()
    expect(ratios.find((r) => r.store === 'redis' && r.versus === 'peer')).toBeUndefined()
  })

  it('judges the targets on requests per CPU-second when every paired run has it', () => {
    const { ratios, configs } = summarize([
      config('ceiling', [run(0, 1000, 2, 2000), run(1, 1000, 2, 2000)]),
      config('ajwt-memory', [run(0, 1000, 2, 1700), run(1, 1000, 2, 1600)]),
    ])
    expect(configs[1]!.summary!.rpsPerCpu).toEqual({ median: 1650, min: 1600, max: 1700 })
    expect(ratios[0]).toMatchObject({ ratio: { median: 1 }, cpuRatio: { median: 0.825, min: 0.8, max: 0.85 }, target: 0.95, met: false })
    const noCpu = summarize([config('ceiling', [run(0, 1000, 2, 2000)]), config('ajwt-memory', [run(0, 950)])])
    expect(noCpu.ratios[0]).toMatchObject({ ratio: { median: 0.95 }, met: true })
    expect(noCpu.ratios[0]!.cpuRatio).toBeUndefined()
  })

  it('reports the CPU time per request and the kernel\'s share of it, a median over the runs', () => {
    const withKernel = (round: number, kernelSeconds: number) => ({ ...run(round, 1000, 2, 4000), kernelSeconds })
    const { configs } = summarize([config('ajwt-redis', [withKernel(0, 0.1), withKernel(1, 0.2), withKernel(2, 0.15)])])
    expect(configs[0]!.summary!.kernelShare).toEqual({ median: 0.3, min: 0.2, max: 0.4 })
    const partial = summarize([config('ajwt-redis', [withKernel(0, 0.1), run(1, 1000, 2, 4000)])])
    expect(partial.configs[0]!.summary!.kernelShare).toBeUndefined()
    const md = markdown({ meta: META, configs, ratios: [] })
    expect(md).toContain('| 4,000 | 4,000–4,000 | 250 | 30 % | 1,000 |')
  })

  it('reports a missed target, and n/a where the peer cannot run', () => {
    const { configs, ratios } = summarize([
      config('ceiling', [run(0, 1000)]),
      config('peer', [], false),
      config('ajwt-memory', [run(0, 850)]),
    ])
    expect(ratios).toEqual([
      { framework: 'koa', alg: 'RS256', store: 'memory', versus: 'ceiling', ratio: { median: 0.85, min: 0.85, max: 0.85 }, target: 0.95, met: false },
    ])
    const results: BenchResults = {
      meta: META,
      configs: configs.map((c) => (c.kind === 'peer' ? { ...c, reason: 'no EdDSA' } : c)),
      ratios,
    }
    const md = markdown(results)
    expect(md).toContain('| koa | RS256 | n/a | 0.85× (0.85–0.85) ❌ | — | — | — |')
    expect(md).toContain('| ajwt + MemoryNonceStore ≥ 0.95× the ceiling | 0 of 1 ❌ | koa, RS256: 0.85× |')
    expect(md).toContain('For a verdict, compare in interleaved blocks: `AJWT_BENCH_KINDS=ajwt-memory,ceiling,peer pnpm --filter @ajwt/bench stores`')
    expect(md).toContain('- koa peer RS256: no EdDSA')
    const chart = svg(results)
    expect(chart).toContain('>n/a</text>')
    expect(chart.match(/<rect x="190"/g)).toHaveLength(2)
  })
})
