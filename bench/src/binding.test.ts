// Smoke run of the request-binding cost measurement: express, one round of four 0.5 s blocks, hashing for a
// few milliseconds. It checks correctness only (every measured request answered 200, the probes got
// the statuses of a server that checks the binding, the hashing check refuses a tampered body, the
// report written), never a speed: timings on a shared machine prove nothing either way in a test.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { optionsFromEnv, runBinding, writeBinding, type BindingRun } from './binding.ts'

const dir = mkdtempSync(join(tmpdir(), 'ajwt-binding-smoke-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('request binding cost, smoke run (express, 1 round)', () => {
  let run: BindingRun

  it('runs', async () => {
    run = await runBinding({
      ...optionsFromEnv({}, () => undefined),
      frameworks: ['express'],
      blockSeconds: 0.5,
      pairs: 2,
      warmupSeconds: 0.4,
      rounds: 1,
      maxRps: 4000,
      hashSeconds: 0.02,
      cacheDir: join(dir, 'cache'),
    })
    expect(run.http.map((f) => f.framework)).toEqual(['express'])
  }, 90_000)

  it('measured both kinds of token, alternating, on 200s only', () => {
    const [express] = run.http
    expect(express!.failures).toEqual([])
    expect(express!.blocks.map((b) => b.kind)).toEqual(['unbound', 'bound', 'bound', 'unbound'])
    for (const block of express!.blocks) {
      expect(Object.keys(block.statusCodes)).toEqual(['200'])
      expect(block.requests).toBeGreaterThan(0)
      expect(block.cpuSeconds).toBeGreaterThan(0)
    }
    expect(express!.pairs).toHaveLength(2)
    expect(Number.isFinite(express!.ratio.median)).toBe(true)
  })

  it('binds method, URL and body, and the server checks them', () => {
    expect(Object.keys(run.meta.boundClaims).sort()).toEqual(['htb', 'htm', 'htu', 'username'])
    const probes = Object.fromEntries(run.http[0]!.probes.map((p) => [p.name, p.status]))
    const expected = Object.fromEntries(run.http[0]!.probes.map((p) => [p.name, p.expected]))
    expect(probes).toEqual(expected)
    expect(Object.keys(probes)).toHaveLength(9)
  })

  it('hashed with a check that refuses a tampered body', () => {
    expect(run.hashing?.refusesTampered).toBe(true)
    for (const rate of [...run.hashing!.large, ...run.hashing!.small]) expect(rate.mbPerSecond).toBeGreaterThan(0)
  })

  it('writes the report', () => {
    const files = writeBinding(run, join(dir, 'out'))
    expect(existsSync(files.json)).toBe(true)
    expect(readFileSync(files.md, 'utf8')).toContain('| express |')
  })
})
