// Smoke run of the threadpool comparison: every configuration, one round of two 0.3 s cycles. It
// checks correctness only (every measured request answered 2xx, every server rejected a forged
// signature, an unknown key and a replay, the measurements were read, the report written), never a
// speed: timings on a shared machine prove nothing either way in a test.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CONFIGURATIONS, optionsFromEnv, runThreadpool, writeThreadpool, type ThreadpoolResults } from './threadpool.ts'

const dir = mkdtempSync(join(tmpdir(), 'ajwt-threadpool-smoke-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('Ed25519 on the threadpool against sync, smoke run (1 round)', () => {
  let results: ThreadpoolResults

  it('runs', async () => {
    results = await runThreadpool({
      ...optionsFromEnv({}, () => undefined),
      rounds: 1,
      cycles: 2,
      blockSeconds: 0.3,
      warmupSeconds: 0.2,
      maxRps: 4000,
      cacheDir: join(dir, 'cache'),
    })
    expect(results.configurations.map((c) => c.name)).toEqual(CONFIGURATIONS.map((c) => c.name))
  }, 120_000)

  it('measured every variant, alternating, on 2xx only', () => {
    expect(results.failures).toEqual([])
    const variants = new Set(results.configurations.map((c) => c.variant))
    expect([...variants].sort()).toEqual(['sync', 'threadpool'])
    for (const configuration of results.configurations) {
      const blocks = results.blocks.filter((b) => b.name === configuration.name)
      expect(blocks).toHaveLength(2)
      for (const block of blocks) {
        expect(block.requests).toBeGreaterThan(0)
        expect(Object.keys(block.statusCodes).every((code) => code.startsWith('2'))).toBe(true)
        expect(block.non2xx + block.errors + block.timeouts).toBe(0)
        // The server counted as many 2xx as autocannon did (give or take the answers in flight at the end).
        expect(block.serverOk).toBeGreaterThanOrEqual(block.requests)
        expect(block.cpuSeconds).toBeGreaterThan(0)
        expect(block.mainCpuSeconds).toBeGreaterThan(0)
        expect(block.elu).toBeGreaterThan(0)
      }
    }
    // Rotated: the second cycle starts with the second configuration.
    expect(results.blocks.filter((b) => b.cycle === 1)[0]!.name).toBe(results.configurations[1]!.name)
    for (const s of results.summary) {
      expect(Number.isFinite(s.rps.median)).toBe(true)
      expect(Number.isFinite(s.loopUsPerRequest.median)).toBe(true)
      expect(s.vsSync === undefined).toBe(s.configuration.variant === 'sync')
    }
  })

  it('every server rejects a forged signature, an unknown key, a replay and no header', () => {
    expect(Object.keys(results.probes).sort()).toEqual(CONFIGURATIONS.map((c) => c.name).sort())
    for (const probes of Object.values(results.probes)) {
      expect(probes.map((p) => p.status)).toEqual([200, 401, 401, 401, 401])
      expect(probes.map((p) => p.status)).toEqual(probes.map((p) => p.expected))
      expect(probes.find((p) => p.name.includes('forged'))!.status).toBe(401)
      expect(probes.find((p) => p.name.includes('replay'))!.status).toBe(401)
    }
  })

  it('writes the report', () => {
    const files = writeThreadpool(results, join(dir, 'out'))
    expect(existsSync(files.json)).toBe(true)
    const md = readFileSync(files.md, 'utf8')
    expect(md).toContain('| 2 cores · threadpool (UV_THREADPOOL_SIZE=4) |')
    expect(md).toContain('| 1 core · sync `crypto.verify` |')
  })
})
