// The instruction count: the arithmetic and the report from given counts, and one small live run
// under valgrind (plumbing only: counters zeroed and dumped around the counted requests, every one
// answered 200). Which server does fewer instructions is the benchmark's answer, not a test's.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { instructionRows, instructionsMarkdown, runInstructions, totalOf, type Count, type InstructionsResults } from './instructions.ts'

const count = (kind: Count['kind'], instructions: number, alg: Count['alg'] = 'RS256'): Count => ({ framework: 'express', alg, kind, requests: 1000, ok: 1000, instructions })

const meta = (): InstructionsResults['meta'] => ({
  frameworks: ['express'],
  algs: ['RS256'],
  kinds: ['bare', 'ceiling', 'peer', 'ajwt-memory'],
  warmup: 15000,
  requests: 1000,
  jobs: 2,
  connections: 1,
  v8Flags: ['--predictable'],
  date: '2026-11-28T20:00:00.000Z',
  node: '24.21.0',
  cpu: 'test',
  cores: 2,
  pinned: true,
  loadAverage: { start: [1, 1, 1], end: [1, 1, 1] },
  wallSeconds: 600,
})

describe('instructions per request', () => {
  it('subtracts the bare server, and divides the reference by ajwt (so more is better for ajwt)', () => {
    const rows = instructionRows([count('bare', 300e6), count('ceiling', 600e6), count('peer', 660e6), count('ajwt-memory', 625e6)])
    const by = (kind: Count['kind']) => rows.find((r) => r.kind === kind)!
    expect(by('bare')).toEqual({ framework: 'express', alg: 'RS256', kind: 'bare', perRequest: 300e3 })
    expect(by('ajwt-memory').auth).toBe(325e3)
    expect(by('ceiling')).toMatchObject({ auth: 300e3, ratio: 0.96, target: 0.95, met: true })
    expect(by('peer').ratio).toBeCloseTo(1.056, 3)
    expect(by('peer').met).toBe(true)
    const slower = instructionRows([count('ceiling', 600e6), count('ajwt-memory', 640e6)])
    expect(slower.find((r) => r.kind === 'ceiling')).toMatchObject({ ratio: 0.9375, met: false })
  })

  it('pairs each reference with ajwt of its own framework and algorithm only', () => {
    const rows = instructionRows([count('ceiling', 600e6, 'EdDSA'), count('ajwt-memory', 625e6, 'RS256')])
    expect(rows.find((r) => r.kind === 'ceiling')!.ratio).toBeUndefined()
  })

  it('reads the total of a callgrind dump and of a whole run', () => {
    expect(totalOf('events: Ir\nfl=x\nfn=y\n1 2\ntotals: 123456\n')).toBe(123456)
    expect(totalOf('events: Ir\nsummary: 42\n')).toBe(42)
    expect(() => totalOf('events: Ir\n')).toThrow(/no totals/)
  })

  it('reports each row and the verdict of each target', () => {
    const markdown = instructionsMarkdown({ meta: meta(), counts: [count('bare', 300e6), count('ceiling', 600e6), count('peer', 660e6), count('ajwt-memory', 640e6)], failures: [] })
    expect(markdown).toContain('| express | RS256 | ceiling: node:crypto by hand | 600.0 | 300.0 | **0.938** | ≥ 0.95 ❌ |')
    expect(markdown).toContain('| express | RS256 | peer: express-jwt | 660.0 | 360.0 | **1.031** | ≥ 1 ✅ |')
    expect(markdown).toContain('**ajwt + Memory ≥ 0.95× the ceiling, in instructions: 0 of 1 met**; lowest express RS256 0.938.')
    expect(markdown).toContain('**ajwt + Memory ≥ 1.00× the peer, in instructions: 1 of 1 met**')
  })
})

describe('instructions per request, a small live run under valgrind', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ajwt-instructions-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('counts the requests it sends, each answered 200', async () => {
    const results = await runInstructions({
      frameworks: ['express'],
      algs: ['EdDSA'],
      kinds: ['bare', 'ajwt-memory'],
      warmup: 100,
      requests: 20,
      jobs: 2,
      connections: 2,
      v8Flags: ['--predictable'],
      cacheDir: join(dir, 'cache'),
      log: () => undefined,
    })
    expect(results.failures).toEqual([])
    expect(results.counts.map((c) => [c.kind, c.requests, c.ok])).toEqual([
      ['bare', 20, 20],
      ['ajwt-memory', 20, 20],
    ])
    const [bare, ajwt] = results.counts
    // An Ed25519 check alone is ~10^5 instructions: a request that skipped it could not cost this much more.
    expect(ajwt!.instructions / 20 - bare!.instructions / 20).toBeGreaterThan(100_000)
  }, 300_000)
})
