import { describe, expect, it } from 'vitest'
import { storeRatios, storesMarkdown, type StoresResults } from './stores.ts'

const block = (kind: StoresResults['blocks'][number]['kind'], cycle: number, requests: number, cpuSeconds: number, round = 0): StoresResults['blocks'][number] => ({
  framework: 'express',
  alg: 'RS256',
  round,
  kind,
  cycle,
  requests,
  seconds: 1,
  cpuSeconds,
  kernelSeconds: cpuSeconds / 4,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  poolLimited: false,
})

const meta = (kinds: StoresResults['meta']['kinds']): StoresResults['meta'] => ({
  frameworks: ['express'],
  algs: ['RS256'],
  kinds,
  rounds: 1,
  cycles: 2,
  blockSeconds: 1,
  warmupSeconds: 1,
  connections: 10,
  maxRps: 1000,
  date: '2026-11-28T11:00:00.000Z',
  node: '24.21.0',
  cpu: 'test',
  cores: 2,
  pinned: true,
  loadAverage: { start: [1, 1, 1], end: [1, 1, 1] },
  wallSeconds: 60,
})

describe('the shared-store comparison', () => {
  it('pairs each block with the Memory block of its cycle, and judges Redis (not Postgres) against 0.9', () => {
    const blocks = [
      block('ajwt-memory', 0, 1000, 0.1),
      block('ajwt-redis', 0, 950, 0.1),
      block('ajwt-ioredis', 0, 800, 0.1),
      block('ajwt-postgres', 0, 500, 0.1),
      block('ajwt-memory', 1, 2000, 0.25),
      block('ajwt-redis', 1, 1600, 0.2),
      block('ajwt-ioredis', 1, 700, 0.1),
      block('ajwt-postgres', 1, 0, 0),
    ]
    const ratios = storeRatios(blocks)
    const get = (kind: string) => ratios.find((r) => r.kind === kind)!
    expect(get('ajwt-memory')).toEqual({ framework: 'express', alg: 'RS256', kind: 'ajwt-memory', perCpu: 3000 / 0.35, kernelMicros: (0.35 / 4) * 1e6 / 3000 })
    // Cycle 0: 9500 / 10000; cycle 1: 8000 / 8000.
    expect(get('ajwt-redis').ratio).toMatchObject({ median: 0.975, min: 0.95, max: 1, n: 2 })
    expect(get('ajwt-redis')).toMatchObject({ target: 0.9, met: true })
    expect(get('ajwt-ioredis').ratio!.median).toBeCloseTo((0.8 + 0.875) / 2, 10)
    expect(get('ajwt-ioredis').met).toBe(false)
    // The failed block (no answers) counts for neither the pooled rate nor the ratios.
    expect(get('ajwt-postgres')).toMatchObject({ perCpu: 5000, ratio: { median: 0.5, n: 1 } })
    expect(get('ajwt-postgres').target).toBeUndefined()
    const md = storesMarkdown({
      meta: meta(['ajwt-memory', 'ajwt-redis', 'ajwt-ioredis', 'ajwt-postgres']),
      blocks,
      ratios,
      failures: ['express RS256 round 1 cycle 2 ajwt-postgres: no answers'],
    })
    expect(md).toContain('| express | RS256 | RedisNonceStore, node-redis | 8,500 | 117.6 | 29.4 | it / Memory | **0.975** | 0.962–0.988 | 0.95–1.00 | ≥ 0.9 ✅ |')
    expect(md).toContain('**Redis ≥ 0.9× Memory: 1 of 2 met**; lowest express RS256 RedisNonceStore, ioredis 0.838.')
    expect(md).toContain('- express RS256 round 1 cycle 2 ajwt-postgres: no answers')
    expect(md).toContain('at once on core 0, redis-server, PostgreSQL, autocannon (10 connections) on core 1')
  })

  it('judges ajwt + Memory against the ceiling (≥ 0.95) and the peer (≥ 1.0) as Memory / it, per cycle', () => {
    // Requests per 0.1 CPU-second of each kind, in cycles 0 and 1.
    const requests = { 'ajwt-memory': [900, 1000], ceiling: [1000, 1000], peer: [600, 1200] } as const
    const blocks = Object.entries(requests).flatMap(([kind, perCycle]) =>
      perCycle.map((count, cycle) => block(kind as keyof typeof requests, cycle, count, 0.1)),
    )
    const ratios = storeRatios(blocks)
    const get = (kind: string) => ratios.find((r) => r.kind === kind)!
    // Cycle 0: 9000 / 10000; cycle 1: 10000 / 10000.
    expect(get('ceiling')).toMatchObject({ ratio: { max: 1, n: 2 }, target: 0.95 })
    expect(get('ceiling').ratio!.min).toBeCloseTo(0.9, 10)
    expect(get('ceiling').ratio!.median).toBeCloseTo(0.95, 10)
    // Cycle 0: 9000 / 6000; cycle 1: 10000 / 12000.
    expect(get('peer').ratio!.median).toBeCloseTo((1.5 + 10 / 12) / 2, 10)
    expect(get('peer')).toMatchObject({ target: 1, met: true })
    const md = storesMarkdown({
      meta: meta(['ajwt-memory', 'ceiling', 'peer']),
      blocks,
      ratios,
      failures: [],
    })
    expect(md).toContain('| express | RS256 | ceiling: node:crypto by hand | 10,000 | 100.0 | 25.0 | Memory / it | **0.950** | 0.925–0.975 | 0.90–1.00 | ≥ 0.95 ✅ |')
    expect(md).toContain('| express | RS256 | peer: express-jwt | 9,000 |')
    expect(md).toContain('**ajwt + Memory ≥ 0.95× the ceiling: 1 of 1 met**; lowest express RS256 ceiling: node:crypto by hand 0.950.')
    expect(md).toContain('**ajwt + Memory ≥ 1.0× the peer: 1 of 1 met**')
    expect(md).not.toContain('Redis ≥ 0.9× Memory')
    expect(md).toContain('at once on core 0, autocannon (10 connections) on core 1')
  })
})
