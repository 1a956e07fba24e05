import { describe, expect, it } from 'vitest'
import { tripleHash } from './triple-hash.ts'

describe('tripleHash', () => {
  it('is a deterministic non-negative integer below 2^53', () => {
    const hash = tripleHash('billing', 1700000000, 'Zk3qL0')
    expect(hash).toBe(tripleHash('billing', 1700000000, 'Zk3qL0'))
    expect(Number.isSafeInteger(hash) && hash >= 0).toBe(true)
  })

  it('keeps the parts apart: moving characters between them changes the hash', () => {
    const triples: [string, number, string][] = [
      ['ab', 1, 'c'],
      ['a', 1, 'bc'],
      ['a\u0000', 1, 'c'],
      ['a', 1, '\u0000c'],
      ['a', 11, 'c'],
      ['a1', 1, 'c'],
      ['a', 2 ** 32 + 1, 'c'],
      ['a', 1, 'c'],
      ['', 1, 'ac'],
      ['ac', 1, ''],
    ]
    expect(new Set(triples.map((t) => tripleHash(...t))).size).toBe(triples.length)
  })

  it('has no collision among 300 000 triples that differ in one part', () => {
    const seen = new Set<number>()
    for (let i = 0; i < 100_000; i++) {
      seen.add(tripleHash('billing', 1700000000, `nonce-${i}`))
      seen.add(tripleHash(`user-${i}`, 1700000000, 'nonce'))
      seen.add(tripleHash('billing', 1700000000 + i, 'nonce-x'))
    }
    expect(seen.size).toBe(300_000)
  })
})
