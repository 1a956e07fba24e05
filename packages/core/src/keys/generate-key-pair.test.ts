import { createPrivateKey, createPublicKey } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { expectAjwtError, NOW } from '../../test/helpers.ts'
import { createSigner } from '../signer/create-signer.ts'
import { MemoryKeyStore } from '../stores/memory-key-store.ts'
import { MemoryNonceStore } from '../stores/memory-nonce-store.ts'
import { createVerifier } from '../verifier/create-verifier.ts'
import { generateKeyPair } from './generate-key-pair.ts'
import { importPrivateKey } from './import-private-key.ts'
import { importPublicKey } from './import-public-key.ts'

async function expectWorkingPair(pair: { privateKey: string; publicKey: string }): Promise<void> {
  const verifier = createVerifier({
    keys: new MemoryKeyStore({ guido: [pair.publicKey] }),
    nonces: new MemoryNonceStore(),
    now: () => NOW,
  })
  const result = await verifier.verify(await createSigner({ username: 'guido', privateKey: pair.privateKey, now: () => NOW }).authorization())
  expect(result.ok ? result.auth.kid : result.error.detail).toBe((await importPublicKey(pair.publicKey)).kid)
}

describe('generateKeyPair', () => {
  it('makes an Ed25519 pair by default: PKCS#8 and SPKI PEM, each ending in one newline', async () => {
    const pair = await generateKeyPair()
    expect(pair.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/)
    expect(pair.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/)
    expect(createPrivateKey(pair.privateKey).asymmetricKeyType).toBe('ed25519')
    expect(createPublicKey(pair.publicKey).asymmetricKeyType).toBe('ed25519')
    const key = await importPrivateKey(pair.privateKey)
    expect(key.algorithm).toBe('EdDSA')
    expect(key.kid).toBe((await importPublicKey(pair.publicKey)).fingerprint)
    await expectWorkingPair(pair)
  })

  it('makes a different pair on every call', async () => {
    const [a, b] = await Promise.all([generateKeyPair('ed25519'), generateKeyPair('ed25519')])
    expect(a.publicKey).not.toBe(b.publicKey)
    expect(a.privateKey).not.toBe(b.privateKey)
  })

  for (const bits of [2048, 3072, 4096]) {
    it(`makes RSA pairs of ${bits} bits that sign RS512`, { timeout: 60_000 }, async () => {
      const pair = await generateKeyPair('rsa', bits === 2048 ? {} : { modulusLength: bits })
      expect(createPublicKey(pair.publicKey).asymmetricKeyDetails?.modulusLength).toBe(bits)
      const publicKey = await importPublicKey(pair.publicKey)
      expect(publicKey.bits).toBe(bits)
      expect(publicKey.toJWK().e).toBe('AQAB')
      expect((await importPrivateKey(pair.privateKey)).algorithm).toBe('RS512')
      await expectWorkingPair(pair)
    })
  }

  it('refuses RSA moduli under 2048 or over 8192 bits, or not whole', async () => {
    for (const modulusLength of [1024, 2047, 0, -2048, 2048.5, Number.NaN, 8193, 16384, 32768]) {
      await expectAjwtError(() => generateKeyPair('rsa', { modulusLength }), 'invalid_options', /refused/)
    }
  })

  it('refuses unknown key types', async () => {
    for (const type of ['ec', 'ed448', 'RSA', '']) {
      await expectAjwtError(() => generateKeyPair(type as 'rsa'), 'invalid_options', /unknown key type/)
    }
  })
})
