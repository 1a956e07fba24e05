import { describe, expect, it } from 'vitest'
import { claims, headerFor, NOW, signToken, vectors } from '../../test/helpers.ts'
import { backendName } from '../backend/backend-name.ts'
import { createVerifier } from '../verifier/create-verifier.ts'
import { MemoryKeyStore } from './memory-key-store.ts'
import { MemoryNonceStore } from './memory-nonce-store.ts'
import type { NonceClaim } from './types.ts'

const seed = () => ({ guido: [vectors.keys.ed25519.public_spki_pem, vectors.keys.rsa.public_spki_pem] })
const token = (name: 'ed25519' | 'rsa', overrides: Record<string, unknown> = {}) => `JWT ${signToken(headerFor(name), claims(overrides), name)}`
const codeOf = async (verdict: ReturnType<ReturnType<typeof createVerifier>['verify']>) => {
  const result = await verdict
  return result.ok ? 'ok' : result.error.code
}

describe('the built-in stores answer in the turn they are asked', () => {
  it('with node:crypto, the nonce is claimed before verify returns; with WebCrypto, later; once either way', async () => {
    for (const name of ['ed25519', 'rsa'] as const) {
      const keys = new MemoryKeyStore(seed())
      await keys.loaded()
      const nonces = new MemoryNonceStore()
      const verifier = createVerifier({ keys, nonces, now: () => NOW })
      const nonce = `turn-${name}`
      const verdict = verifier.verify(token(name, { nonce }))
      const claim: NonceClaim = { username: 'guido', time: NOW, nonce, ttlMs: 60_000 }
      const direct = await nonces.claim(claim)
      const code = await codeOf(verdict)
      expect([direct, code], name).toEqual(backendName === 'node:crypto' ? [false, 'ok'] : [true, 'replay'])
    }
  })

  it('a request made while the keys are still importing waits for them', async () => {
    const keys = new MemoryKeyStore(seed())
    const verifier = createVerifier({ keys, nonces: new MemoryNonceStore(), now: () => NOW })
    expect(await Promise.all([codeOf(verifier.verify(token('rsa'))), codeOf(verifier.verify(token('ed25519')))])).toEqual(['ok', 'ok'])
  })

  it('a subclass or an instance that replaces claim is asked, every time', async () => {
    const keys = new MemoryKeyStore(seed())
    await keys.loaded()
    class Counting extends MemoryNonceStore {
      calls = 0
      override async claim(claim: NonceClaim): Promise<boolean> {
        this.calls++
        return super.claim(claim)
      }
    }
    const counting = new Counting()
    const verifier = createVerifier({ keys, nonces: counting, now: () => NOW })
    const same = token('rsa')
    expect([await codeOf(verifier.verify(same)), await codeOf(verifier.verify(same))]).toEqual(['ok', 'replay'])
    expect(counting.calls).toBe(2)

    const patched = new MemoryNonceStore()
    patched.claim = async () => false
    const refusing = createVerifier({ keys, nonces: patched, now: () => NOW })
    expect(await codeOf(refusing.verify(token('rsa')))).toBe('replay')
    patched.claim = async () => {
      throw new Error('down')
    }
    expect(await codeOf(refusing.verify(token('ed25519')))).toBe('store_unavailable')
  })

  it('a subclass or an instance that replaces getKeys is asked, every time', async () => {
    class Revoked extends MemoryKeyStore {
      override async getKeys(): Promise<readonly never[]> {
        return []
      }
    }
    const revoked = new Revoked(seed())
    await revoked.loaded()
    const patched = new MemoryKeyStore(seed())
    await patched.loaded()
    patched.getKeys = async () => []
    for (const keys of [revoked, patched]) {
      const verifier = createVerifier({ keys, nonces: new MemoryNonceStore(), now: () => NOW })
      expect(await codeOf(verifier.verify(token('rsa')))).toBe('unknown_user')
    }
  })
})
