// Smoke run of the timing-enumeration measurement: one framework, one algorithm, small N. It checks
// correctness only (every reply a 401, each class on its intended path, both classes measured,
// finite numbers, the report written), never a timing threshold: timings on a shared machine prove
// nothing either way in a test.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runEnumeration, writeEnumeration, type EnumerationRun } from './enumeration.ts'

const dir = mkdtempSync(join(tmpdir(), 'ajwt-enum-smoke-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('enumeration timing, smoke run (hono, EdDSA, N = 50)', () => {
  const n = 50
  const warmup = 20
  let run: EnumerationRun

  it('runs', async () => {
    run = await runEnumeration({ frameworks: ['hono'], algs: ['EdDSA'], n, warmup, bootstrap: 200, toleranceSeconds: 3600, log: () => undefined })
    expect(run.results).toHaveLength(1)
  }, 60_000)

  it('got a 401 for every request, both classes on their intended paths, over one connection', () => {
    const [result] = run.results
    expect(result!.statuses).toEqual({ 401: 2 * n + warmup })
    expect(result!.codes).toEqual({ A: 'invalid_signature', B: 'unknown_user' })
    expect(result!.sameBody).toBe(true)
    expect(result!.connections).toBe(1)
  })

  it('measured both classes, with finite numbers', () => {
    const [result] = run.results
    for (const cls of [result!.A, result!.B]) {
      expect(cls.samples).toHaveLength(n)
      for (const value of [...cls.samples, cls.median, cls.p90, cls.halvesDelta]) expect(Number.isFinite(value)).toBe(true)
      expect(cls.median).toBeGreaterThan(0)
    }
    for (const value of [result!.diff, result!.neighbourMedian, ...result!.ci95!]) expect(Number.isFinite(value)).toBe(true)
    expect(result!.ci95![0]).toBeLessThanOrEqual(result!.ci95![1])
  })

  it('writes the report', () => {
    const files = writeEnumeration(run, dir)
    expect(existsSync(files.json)).toBe(true)
    expect(readFileSync(files.md, 'utf8')).toContain('| hono | EdDSA |')
  })
})
