import { AjwtError } from '@ajwt/core'
import { describe, expect, it } from 'vitest'
import { describeAdapter } from './describe-adapter.ts'

describe('describeAdapter', () => {
  it('refuses a harness with neither listen nor inject, before registering any test', () => {
    // @ts-expect-error a harness needs `listen`, `inject` or both
    const register = () => describeAdapter('@ajwt/nothing', { body: 'json' })
    expect(register).toThrow(AjwtError)
    expect(register).toThrow(
      expect.objectContaining({
        code: 'invalid_options',
        message: 'describeAdapter("@ajwt/nothing"): the harness needs `listen` (a real server) or `inject` (an in-process client), or both',
      }),
    )
  })
})
