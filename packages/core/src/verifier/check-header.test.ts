import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { checkHeader as CheckHeader } from './check-header.ts'

// A fresh module per test: the stage remembers the last kid it found valid, and no test may
// lean on what another left there.
let checkHeader: typeof CheckHeader
beforeEach(async () => {
  vi.resetModules()
  ;({ checkHeader } = await import('./check-header.ts'))
})

const codeOf = (header: Record<string, unknown>): string => {
  try {
    checkHeader(header)
    return 'accepted'
  } catch (error) {
    return (error as { code: string }).code
  }
}

describe('checkHeader', () => {
  it('refuses a bad kid as the very first one it sees, and after a valid one', () => {
    expect(codeOf({ alg: 'EdDSA', kid: '' })).toBe('invalid_header')
    expect(codeOf({ alg: 'EdDSA', kid: 'key-1' })).toBe('accepted')
    for (const kid of ['', 'key-1 ', 'key-1/..', 42, ['key-1'], { toString: () => 'key-1' }]) {
      expect(codeOf({ alg: 'EdDSA', kid }), JSON.stringify(kid)).toBe('invalid_header')
      expect(codeOf({ alg: 'EdDSA', kid: 'key-1' })).toBe('accepted')
    }
  })

  it('refuses every header that names key material, whatever else the header holds', () => {
    for (const name of ['jku', 'x5u', 'jwk', 'x5c', 'crit', 'zip', 'enc']) {
      expect(codeOf({ alg: 'RS256', typ: 'JWT', kid: 'key-1', [name]: 'x' }), name).toBe('invalid_header')
      expect(codeOf(JSON.parse(`{"${name}":null,"alg":"RS256"}`) as Record<string, unknown>), name).toBe('invalid_header')
    }
    expect(codeOf(JSON.parse('{"alg":"RS256","__proto__":{"jku":"x"}}') as Record<string, unknown>)).toBe('accepted')
    expect(codeOf({ alg: 'RS256', typ: 'JWT', cty: 'x', b64: true })).toBe('accepted')
  })
})
