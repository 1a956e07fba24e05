import { createSigner, createVerifier, generateKeyPair, MemoryNonceStore } from '@ajwt/core'
import { describeKeyStore } from '@ajwt/core/testing'
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

  it('refuses a missing or malformed value with a clear error', () => {
    expect(() => new EnvKeyStore(undefined)).toThrow(/no keys given/)
    expect(() => new EnvKeyStore('{"billing": [')).toThrow(/not valid JSON/)
    expect(() => new EnvKeyStore('["a"]')).toThrow(/JSON object of username/)
    expect(() => new EnvKeyStore('{"billing": [42]}')).toThrow(/"billing": each key must be/)
  })

  it('reports a key that is not a public key when it is first used', async () => {
    const keys = new EnvKeyStore({ billing: ['not a key'] })
    await expect(keys.loaded()).rejects.toThrow()
    const verifier = createVerifier({ keys, nonces: new MemoryNonceStore() })
    const pair = await generateKeyPair('ed25519')
    const result = await verifier.verify(await createSigner({ username: 'billing', privateKey: pair.privateKey }).authorization())
    expect(result.ok ? 200 : result.error.status).toBe(503)
  })
})
