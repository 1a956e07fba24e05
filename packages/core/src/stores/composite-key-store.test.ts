import { describeKeyStore } from '@ajwt/testing'
import { describe, expect, it } from 'vitest'
import { claims, expectAjwtError, headerFor, NOW, RecordingNonceStore, signToken, vectors } from '../../test/helpers.ts'
import type { PublicKey } from '../keys/public-key.ts'
import { createVerifier } from '../verifier/create-verifier.ts'
import { CompositeKeyStore } from './composite-key-store.ts'
import { MemoryKeyStore } from './memory-key-store.ts'
import type { KeyLookupHint, KeyStore } from './types.ts'

describeKeyStore('CompositeKeyStore', (seed) => new CompositeKeyStore([new MemoryKeyStore(), new MemoryKeyStore(seed)]))

/** Wraps a store to record what it is asked. */
function recording(store: KeyStore) {
  const asked: Array<[string, KeyLookupHint | undefined]> = []
  return {
    asked,
    getKeys: (username: string, hint?: KeyLookupHint): Promise<readonly PublicKey[]> => {
      asked.push([username, hint])
      return store.getKeys(username, hint)
    },
  }
}

const failing = (message: string): KeyStore => ({
  getKeys: async () => {
    throw new Error(message)
  },
})

describe('CompositeKeyStore', () => {
  it('asks the stores in order; the first that has keys for the user wins', async () => {
    const a = recording(new MemoryKeyStore({ guido: [vectors.keys.ed25519.public_spki_pem] }))
    const b = recording(new MemoryKeyStore({ guido: [vectors.keys.rsa.public_spki_pem], rosa: [vectors.keys.rsa.public_spki_pem] }))
    const store = new CompositeKeyStore([a, b])
    expect((await store.getKeys('guido')).map((k) => k.kid)).toEqual([vectors.keys.ed25519.kid])
    expect((await store.getKeys('rosa')).map((k) => k.kid)).toEqual([vectors.keys.rsa.kid])
    expect(await store.getKeys('nobody')).toEqual([])
    expect(a.asked.map(([u]) => u)).toEqual(['guido', 'rosa', 'nobody'])
    expect(b.asked.map(([u]) => u)).toEqual(['rosa', 'nobody'])
  })

  it('a later store is not consulted for a user an earlier one knows: guido’s RSA key in B does not verify', async () => {
    const store = new CompositeKeyStore([
      new MemoryKeyStore({ guido: [vectors.keys.ed25519.public_spki_pem] }),
      new MemoryKeyStore({ guido: [vectors.keys.rsa.public_spki_pem] }),
    ])
    const verifier = createVerifier({ keys: store, nonces: new RecordingNonceStore(), now: () => NOW })
    const rsaToken = await verifier.verify(`JWT ${signToken(headerFor('rsa'), claims(), 'rsa')}`)
    expect(rsaToken.ok ? 'ok' : rsaToken.error.code).toBe('invalid_algorithm')
    const edToken = await verifier.verify(`JWT ${signToken(headerFor('ed25519'), claims(), 'ed25519')}`)
    expect(edToken.ok).toBe(true)
  })

  it('passes the kid hint on to each store', async () => {
    const a = recording(new MemoryKeyStore())
    const b = recording(new MemoryKeyStore({ guido: [vectors.keys.ed25519.public_spki_pem] }))
    const verifier = createVerifier({ keys: new CompositeKeyStore([a, b]), nonces: new RecordingNonceStore(), now: () => NOW })
    expect((await verifier.verify(`JWT ${signToken(headerFor('ed25519'), claims(), 'ed25519')}`)).ok).toBe(true)
    expect(a.asked).toEqual([['guido', { kid: vectors.keys.ed25519.kid }]])
    expect(b.asked).toEqual([['guido', { kid: vectors.keys.ed25519.kid }]])
  })

  it('a store that fails is an error, not an empty answer: the verifier answers 503', async () => {
    const later = recording(new MemoryKeyStore({ guido: [vectors.keys.ed25519.public_spki_pem] }))
    const first = new CompositeKeyStore([failing('db down'), later])
    await expect(first.getKeys('guido')).rejects.toThrow('db down')
    expect(later.asked).toEqual([])
    const second = new CompositeKeyStore([new MemoryKeyStore(), failing('db down')])
    await expect(second.getKeys('guido')).rejects.toThrow('db down')
    const verifier = createVerifier({ keys: second, nonces: new RecordingNonceStore(), now: () => NOW })
    const result = await verifier.verify(`JWT ${signToken(headerFor('ed25519'), claims(), 'ed25519')}`)
    expect(result.ok ? 200 : [result.error.code, result.error.status]).toEqual(['store_unavailable', 503])
  })

  it('a failing store after the one that answers is never asked', async () => {
    const store = new CompositeKeyStore([new MemoryKeyStore({ guido: [vectors.keys.ed25519.public_spki_pem] }), failing('never')])
    expect(await store.getKeys('guido')).toHaveLength(1)
  })

  it('refuses, at construction, anything but an array of key stores', async () => {
    const inputs: unknown[] = [undefined, null, new MemoryKeyStore(), [new MemoryKeyStore(), undefined], [{}], [{ getKeys: 'no' }], ['billing.pub']]
    for (const input of inputs) {
      await expectAjwtError(() => new CompositeKeyStore(input as KeyStore[]), 'invalid_options', /array of key stores/)
    }
  })

  it('keeps its own copy of the list of stores', async () => {
    const stores: KeyStore[] = [new MemoryKeyStore()]
    const store = new CompositeKeyStore(stores)
    stores.push(new MemoryKeyStore({ guido: [vectors.keys.ed25519.public_spki_pem] }))
    expect(await store.getKeys('guido')).toEqual([])
  })
})
