import { describe, expect, it } from 'vitest'
import { claims, expectAjwtError, headerFor, NOW, RecordingNonceStore, signToken, vectors } from '../../test/helpers.ts'
import { importPublicKey } from '../keys/import-public-key.ts'
import { describeKeyStore } from '../testing/describe-key-store.ts'
import { createVerifier } from '../verifier/create-verifier.ts'
import { MemoryKeyStore } from './memory-key-store.ts'

describeKeyStore('MemoryKeyStore', (seed) => new MemoryKeyStore(seed))

const ed = vectors.keys.ed25519
const rsa = vectors.keys.rsa

function verifierOver(store: MemoryKeyStore) {
  return createVerifier({ keys: store, nonces: new RecordingNonceStore(), now: () => NOW })
}

async function codeFor(store: MemoryKeyStore, keyName: 'ed25519' | 'rsa' | 'ed25519_other', username = 'guido') {
  const result = await verifierOver(store).verify(`JWT ${signToken(headerFor(keyName), claims({ username }), keyName)}`)
  return result.ok ? 'ok' : result.error.code
}

describe('MemoryKeyStore', () => {
  it('holds several keys per user, in every input form, each verifying its own tokens', async () => {
    const store = new MemoryKeyStore({ guido: [ed.public_openssh, rsa.public_jwk, await importPublicKey(vectors.keys.ed25519_other.public_spki_pem)] })
    expect((await store.getKeys('guido')).map((k) => k.kid)).toEqual([ed.kid, rsa.kid, vectors.keys.ed25519_other.kid])
    expect((await store.getKeys('guido'))[0]!.comment).toBe('ed25519@example')
    for (const name of ['ed25519', 'rsa', 'ed25519_other'] as const) expect(await codeFor(store, name)).toBe('ok')
  })

  it('adds and removes keys at runtime, and the verifier follows', async () => {
    const store = new MemoryKeyStore()
    expect(await codeFor(store, 'ed25519')).toBe('unknown_user')
    const added = await store.addKey('guido', ed.public_spki_pem, { comment: 'laptop' })
    expect(added.comment).toBe('laptop')
    expect(await codeFor(store, 'ed25519')).toBe('ok')
    expect(await codeFor(store, 'rsa')).toBe('invalid_algorithm')
    await store.addKey('guido', rsa.public_spki_pem)
    expect(await codeFor(store, 'rsa')).toBe('ok')
    expect(store.usernames()).toEqual(['guido'])

    expect(store.removeKey('guido', ed.kid)).toBe(true)
    expect(store.removeKey('guido', ed.kid)).toBe(false)
    expect(await codeFor(store, 'ed25519')).toBe('invalid_algorithm')
    expect(store.removeKey('nobody', rsa.kid)).toBe(false)
    expect(store.removeKey('guido', rsa.kid)).toBe(true)
    expect(await store.getKeys('guido')).toEqual([])
    expect(store.usernames()).toEqual([])
    expect(await codeFor(store, 'rsa')).toBe('unknown_user')
  })

  it('removes by fingerprint a key whose JWK carried its own kid', async () => {
    const store = new MemoryKeyStore({ guido: [{ ...ed.public_jwk, kid: 'laptop' }] })
    expect((await store.getKeys('guido'))[0]!.kid).toBe('laptop')
    expect(await codeFor(store, 'ed25519')).toBe('ok')
    expect(store.removeKey('guido', ed.kid)).toBe(true)
    expect(await store.getKeys('guido')).toEqual([])
  })

  it('adding a key the user already has (in another format) changes nothing', async () => {
    const store = new MemoryKeyStore({ guido: [ed.public_spki_pem] })
    const before = await store.getKeys('guido')
    await store.addKey('guido', ed.public_openssh)
    await store.addKey('guido', ed.public_jwk)
    const after = await store.getKeys('guido')
    expect(after).toHaveLength(1)
    expect(after).toBe(before)
  })

  it('a key added for one user is not another user’s', async () => {
    const store = new MemoryKeyStore({ guido: [ed.public_spki_pem] })
    expect(await codeFor(store, 'ed25519', 'rosa')).toBe('unknown_user')
    expect(await codeFor(store, 'ed25519', 'Guido')).toBe('unknown_user')
  })

  it('an invalid initial key rejects loaded() and getKeys() with invalid_key, and the verifier answers 503', async () => {
    const store = new MemoryKeyStore({ guido: [ed.public_spki_pem], rosa: ['not a key'] })
    await expectAjwtError(() => store.loaded(), 'invalid_key', /unrecognised public key/)
    await expectAjwtError(() => store.getKeys('guido'), 'invalid_key')
    const result = await verifierOver(store).verify(`JWT ${signToken(headerFor('ed25519'), claims(), 'ed25519')}`)
    expect(result.ok ? 200 : [result.error.code, result.error.status]).toEqual(['store_unavailable', 503])
  })

  it('an invalid added key rejects with invalid_key and leaves the store as it was', async () => {
    const store = new MemoryKeyStore({ guido: [ed.public_spki_pem] })
    await expectAjwtError(() => store.addKey('guido', ed.private_pkcs8_pem), 'invalid_key', /private/)
    await expectAjwtError(() => store.addKey('rosa', 'ssh-rsa AAAA'), 'invalid_key')
    expect((await store.getKeys('guido')).map((k) => k.kid)).toEqual([ed.kid])
    expect(store.usernames()).toEqual(['guido'])
  })

  it('accepts a single key where a list is expected', async () => {
    const store = new MemoryKeyStore({ guido: ed.public_spki_pem as unknown as string[] })
    expect((await store.getKeys('guido')).map((k) => k.kid)).toEqual([ed.kid])
  })

  it('usernames like __proto__ and constructor are plain names', async () => {
    const seed = JSON.parse(`{"__proto__": [${JSON.stringify(ed.public_spki_pem)}], "guido": []}`) as Record<string, string[]>
    const store = new MemoryKeyStore(seed)
    await store.loaded()
    expect((await store.getKeys('__proto__')).map((k) => k.kid)).toEqual([ed.kid])
    for (const name of ['constructor', 'toString', 'hasOwnProperty', 'prototype', 'valueOf', 'guido']) {
      expect(await store.getKeys(name), name).toEqual([])
      expect(await codeFor(store, 'ed25519', name), name).toBe('unknown_user')
    }
    expect(await codeFor(store, 'ed25519', '__proto__')).toBe('ok')
    await store.addKey('constructor', rsa.public_spki_pem)
    expect(await codeFor(store, 'rsa', 'constructor')).toBe('ok')
    expect(store.removeKey('constructor', rsa.kid)).toBe(true)
    expect(({} as Record<string, unknown>).guido).toBeUndefined()
    expect(Object.getPrototypeOf({})).toBe(Object.prototype)
    expect(store.usernames().sort()).toEqual(['__proto__'])
  })
})
