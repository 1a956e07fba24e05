import { createSigner, createVerifier, generateKeyPair, importPublicKey, type KeyStore, MemoryNonceStore } from '@ajwt/core'
import { describe, expect, it } from 'vitest'

/**
 * Builds the store under test holding exactly `seed`: username → public key texts (SPKI PEM).
 *
 * @example
 * ```ts
 * const factory: KeyStoreFactory = async (seed) => new MemoryKeyStore(seed)
 * ```
 */
export type KeyStoreFactory = (seed: Record<string, string[]>) => KeyStore | Promise<KeyStore>

const unique = (): string => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`

/**
 * The conformance suite every {@link KeyStore} must pass: unknown users have no keys, every seeded
 * key comes back with its fingerprint as kid, users are isolated, and the keys returned verify
 * tokens signed by the matching private keys. Usernames are unique per run.
 *
 * @example
 * ```ts
 * import { describeKeyStore } from '@ajwt/testing'
 * describeKeyStore('MemoryKeyStore', (seed) => new MemoryKeyStore(seed))
 * ```
 */
export function describeKeyStore(name: string, factory: KeyStoreFactory, options: { timeout?: number } = {}): void {
  const timeout = options.timeout ?? 30_000

  describe(`KeyStore conformance: ${name}`, () => {
    const pairs = Promise.all([generateKeyPair('ed25519'), generateKeyPair('ed25519'), generateKeyPair('rsa')])

    it('has no keys for an unknown user', { timeout }, async () => {
      const store = await factory({})
      expect(await store.getKeys(`nobody-${unique()}`)).toEqual([])
    })

    it('returns every key of a user, with the fingerprint as kid, and keeps users apart', { timeout }, async () => {
      const [ed, ed2, rsa] = await pairs
      const alice = `alice-${unique()}`
      const bob = `bob-${unique()}`
      const store = await factory({ [alice]: [ed.publicKey, rsa.publicKey], [bob]: [ed2.publicKey] })
      const expected = await Promise.all([ed, rsa, ed2].map((p) => importPublicKey(p.publicKey)))
      const aliceKeys = await store.getKeys(alice)
      expect(aliceKeys.map((k) => k.kid).sort()).toEqual([expected[0]!.kid, expected[1]!.kid].sort())
      expect(aliceKeys.map((k) => k.type).sort()).toEqual(['ed25519', 'rsa'])
      const bobKeys = await store.getKeys(bob)
      expect(bobKeys.map((k) => k.kid)).toEqual([expected[2]!.kid])
      expect(await store.getKeys(alice.toUpperCase())).toEqual([])
    })

    it('returns keys that verify tokens of the matching private keys only', { timeout }, async () => {
      const [ed, ed2, rsa] = await pairs
      const alice = `alice-${unique()}`
      const bob = `bob-${unique()}`
      const store = await factory({ [alice]: [ed.publicKey, rsa.publicKey], [bob]: [ed2.publicKey] })
      const verifier = createVerifier({ keys: store, nonces: new MemoryNonceStore() })
      for (const pair of [ed, rsa]) {
        const token = await createSigner({ username: alice, privateKey: pair.privateKey }).authorization()
        const result = await verifier.verify(token)
        expect(result.ok && result.auth.username).toBe(alice)
      }
      const forged = await createSigner({ username: alice, privateKey: ed2.privateKey }).authorization()
      const result = await verifier.verify(forged)
      expect(result.ok ? 'accepted' : result.error.code).toBe('invalid_signature')
    })
  })
}
