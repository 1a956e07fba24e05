// The smoke run: the real harness (servers and autocannon as child processes, a real redis-server)
// on one framework and one algorithm, ~1 s per configuration. It proves that every configuration
// answers, that nothing is measured on errors, and that every authenticating configuration really
// rejects bad tokens, so that a misconfigured bench cannot report speed it did not earn.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { optionsFromEnv, runBench } from './bench.ts'
import { writeReports, type BenchResults } from './report.ts'
import { KINDS } from './types.ts'

const dir = mkdtempSync(join(tmpdir(), 'ajwt-bench-smoke-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('pnpm bench, smoke run (fastify, EdDSA, every kind)', () => {
  let results: BenchResults
  const lines: string[] = []

  it('runs every configuration once', async () => {
    const options = {
      ...optionsFromEnv({}, (line) => lines.push(line)),
      frameworks: ['fastify' as const],
      algs: ['EdDSA' as const],
      seconds: 1,
      warmupSeconds: 0.5,
      rounds: 1,
      maxRps: 8000,
      cacheDir: join(dir, 'cache'),
      microSeconds: 0.2,
    }
    results = await runBench(options)
    expect(results.configs.map((c) => c.kind)).toEqual([...KINDS])
  }, 120_000)

  it('measured every configuration on 2xx answers only', () => {
    for (const config of results.configs) {
      expect({ kind: config.kind, reason: config.reason, failures: config.failures }).toEqual({ kind: config.kind, reason: undefined, failures: [] })
      expect(config.runs).toHaveLength(1)
      const [run] = config.runs
      expect(run!.requests, `${config.kind} sent requests`).toBeGreaterThan(0)
      expect({ kind: config.kind, non2xx: run!.non2xx, errors: run!.errors, timeouts: run!.timeouts, codes: Object.keys(run!.statusCodes) }).toEqual({
        kind: config.kind,
        non2xx: 0,
        errors: 0,
        timeouts: 0,
        codes: ['200'],
      })
    }
  })

  it('checked that each authenticating configuration rejects bad tokens, and that only ajwt and the ceiling reject replays', () => {
    const probes = Object.fromEntries(results.configs.map((c) => [c.kind, c.probe]))
    expect(probes).toEqual({
      bare: { valid: 200, replay: 200, forged: 200, otherKey: 200, missing: 200 },
      ceiling: { valid: 200, replay: 401, forged: 401, otherKey: 401, missing: 401 },
      peer: { valid: 200, replay: 200, forged: 401, otherKey: 401, missing: 401 },
      'ajwt-memory': { valid: 200, replay: 401, forged: 401, otherKey: 401, missing: 401 },
      'ajwt-redis': { valid: 200, replay: 401, forged: 401, otherKey: 401, missing: 401 },
      'ajwt-ioredis': { valid: 200, replay: 401, forged: 401, otherKey: 401, missing: 401 },
      'ajwt-postgres': { valid: 200, replay: 401, forged: 401, otherKey: 401, missing: 401 },
    })
  })

  it('computed the ratios against the peer, the ceiling and ajwt + Memory from the same rounds', () => {
    const pairs = results.ratios.map((r) => `${r.store}/${r.versus}`).sort()
    expect(pairs).toEqual([
      'ioredis/ceiling',
      'ioredis/memory',
      'memory/ceiling',
      'memory/peer',
      'postgres/ceiling',
      'postgres/memory',
      'redis/ceiling',
      'redis/memory',
    ])
    for (const ratio of results.ratios) {
      const ajwt = results.configs.find((c) => c.kind === `ajwt-${ratio.store}`)!.runs[0]!.rps
      const other = results.configs.find((c) => c.kind === (ratio.versus === 'memory' ? 'ajwt-memory' : ratio.versus))!.runs[0]!.rps
      expect(ratio.ratio.median).toBeCloseTo(ajwt / other, 10)
    }
    expect(results.ratios.filter((r) => r.target !== undefined).map((r) => `${r.store}/${r.versus} ${r.target}`).sort()).toEqual([
      'ioredis/memory 0.9',
      'memory/ceiling 0.95',
      'memory/peer 1',
      'redis/memory 0.9',
    ])
  })

  it('ran the micro-benchmarks and measured the Worker bundles', () => {
    expect(results.micro!.verify.map((v) => v.variant)).toEqual(['crypto.verify', 'ceiling', 'ajwt (no-op nonce store)', 'ajwt + MemoryNonceStore'])
    for (const v of results.micro!.verify) expect(v.opsPerSecond).toBeGreaterThan(0)
    expect(results.micro!.nonceStore.liveEntries).toBe(100_000)
    expect(results.micro!.nonceStore.bytesPerEntry).toBeGreaterThan(0)
    expect(results.bundles!.map((b) => b.worker)).toEqual(['hono-bare', 'hono-jwt', 'ajwt-cloudflare', 'ajwt-hono'])
    for (const b of results.bundles!) {
      expect(b.gzip).toBeGreaterThan(0)
      expect(b.gzip).toBeLessThan(b.minified)
    }
  })

  it('writes latest.json, latest.md and latest.svg', () => {
    const files = writeReports(results, join(dir, 'results'))
    expect(JSON.parse(readFileSync(files.json, 'utf8'))).toEqual(JSON.parse(JSON.stringify(results)))
    const md = readFileSync(files.md, 'utf8')
    expect(md).toContain('| fastify | EdDSA | ajwt + Memory: @ajwt/fastify + MemoryNonceStore |')
    expect(md).toContain('| fastify | EdDSA | peer: @fastify/jwt |')
    expect(md).toContain('![requests per second](latest.svg)')
    expect(md).toContain('| ajwt + RedisNonceStore (node-redis) ≥ 0.9× ajwt + Memory |')
    expect(md).toContain('| fastify | EdDSA | ajwt + ioredis: @ajwt/fastify + RedisNonceStore (ioredis) |')
    const svg = readFileSync(files.svg, 'utf8')
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.match(/<rect x="190"/g)).toHaveLength(KINDS.length)
    expect(existsSync(join(dir, 'results', 'latest.md'))).toBe(true)
  })
})
