import { AjwtError, createSigner, createVerifier, generateKeyPair, MemoryNonceStore } from '@ajwt/core'
import { describeKeyStore } from '@ajwt/testing'
import { describe, expect, it } from 'vitest'
import { EnvKeyStore } from './env-key-store.ts'

describeKeyStore('EnvKeyStore (JSON text)', (seed) => new EnvKeyStore(JSON.stringify(seed)))
describeKeyStore('EnvKeyStore (object from wrangler vars)', (seed) => new EnvKeyStore(seed))

describe('EnvKeyStore', () => {
  it('accepts one key per user instead of a list, and verifies with it', async () => {
    const pair = await generateKeyPair('ed25519')
    const keys = new EnvKeyStore(JSON.stringify({ billing: pair.publicKey }))
    const verifier = createVerifier({ keys, nonces: new MemoryNonceStore() })
    const result = await verifier.verify(await createSigner({ username: 'billing', privateKey: pair.privateKey }).authorization())
    expect(result.ok && result.auth.username).toBe('billing')
  })

  it('refuses a missing or malformed value with an AjwtError that says what is wrong', () => {
    const refused = (code: string, message: string) => expect.objectContaining({ name: 'AjwtError', code, message })
    expect(() => new EnvKeyStore(undefined)).toThrow(AjwtError)
    for (const value of [undefined, '']) {
      expect(() => new EnvKeyStore(value)).toThrow(refused('invalid_options', 'EnvKeyStore: no keys given (is the variable or secret set?)'))
    }
    expect(() => new EnvKeyStore('{"billing": [')).toThrow(refused('invalid_options', 'EnvKeyStore: the value is not valid JSON'))
    for (const value of ['["a"]', 'null', '42']) {
      expect(() => new EnvKeyStore(value), value).toThrow(
        refused('invalid_options', 'EnvKeyStore: expected a JSON object of username → [public keys]'),
      )
    }
    expect(() => new EnvKeyStore('{"billing": [42]}')).toThrow(
      refused('invalid_key', 'EnvKeyStore "billing": each key must be a key text or a JWK object'),
    )
  })

  it('refuses at once a key that is not a public key', () => {
    expect(() => new EnvKeyStore({ billing: ['not a key'] })).toThrow(expect.objectContaining({ name: 'AjwtError', code: 'invalid_key' }))
  })

  it('reports a key whose PEM body is corrupt when it is first used, and the request fails closed', async () => {
    const keys = new EnvKeyStore({ billing: ['-----BEGIN PUBLIC KEY-----\n%%%%\n-----END PUBLIC KEY-----\n'] })
    await expect(keys.loaded()).rejects.toThrow(expect.objectContaining({ name: 'AjwtError', code: 'invalid_key' }))
    const verifier = createVerifier({ keys, nonces: new MemoryNonceStore() })
    const pair = await generateKeyPair('ed25519')
    const result = await verifier.verify(await createSigner({ username: 'billing', privateKey: pair.privateKey }).authorization())
    expect(result.ok ? 200 : result.error.status).toBe(503)
  })
})
