import { expect, it } from 'vitest'
import full from '../../core/test/fixtures/wire-vectors.json' with { type: 'json' }
import shipped from './wire-vectors.public.json' with { type: 'json' }

// @ajwt/testing carries the reference vectors without their private keys (secret scanners flag
// PEM private keys in packages); it must not drift from core's fixture, which has them.
it('ships exactly the public part of the reference vectors', () => {
  const { keys, about: _about, ...rest } = full
  const publicKeys = Object.fromEntries(
    Object.entries(keys).map(([name, key]) => [
      name,
      Object.fromEntries(Object.entries(key).filter(([field]) => !field.startsWith('private') && field !== 'passphrase')),
    ]),
  )
  const { keys: shippedKeys, about: _shippedAbout, ...shippedRest } = shipped
  expect(shippedRest).toEqual(rest)
  expect(shippedKeys).toEqual(publicKeys)
  expect(JSON.stringify(shipped)).not.toMatch(/PRIVATE KEY/)
})
