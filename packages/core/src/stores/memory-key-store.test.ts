import { generateKeyPairSync } from 'node:crypto'
import { describeKeyStore } from '@ajwt/testing'
import { describe, expect, it } from 'vitest'
import { AjwtError } from '../errors/ajwt-error.ts'
import { claims, expectAjwtError, headerFor, NOW, RecordingNonceStore, signToken, vectors } from '../../test/helpers.ts'
import { importPublicKey } from '../keys/import-public-key.ts'
import { createVerifier } from '../verifier/create-verifier.ts'
import { MemoryKeyStore } from './memory-key-store.ts'

describeKeyStore('MemoryKeyStore', (seed) => new MemoryKeyStore(seed))

const ed = vectors.keys.ed25519
const rsa = vectors.keys.rsa
const ecPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString()

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

  it('a key found damaged by the import rejects loaded() and getKeys() with invalid_key, and the verifier answers 503', async () => {
    const corrupt = '-----BEGIN PUBLIC KEY-----\n%%%%\n-----END PUBLIC KEY-----\n'
    const store = new MemoryKeyStore({ guido: [ed.public_spki_pem], rosa: [corrupt] })
    await expectAjwtError(() => store.loaded(), 'invalid_key', /^MemoryKeyStore: the key of user "rosa": unreadable public key/)
    await expectAjwtError(() => store.getKeys('guido'), 'invalid_key')
    const result = await verifierOver(store).verify(`JWT ${signToken(headerFor('ed25519'), claims(), 'ed25519')}`)
    expect(result.ok ? 200 : [result.error.code, result.error.status]).toEqual(['store_unavailable', 503])
  })

  it('an invalid added key rejects with invalid_key and leaves the store as it was', async () => {
    const store = new MemoryKeyStore({ guido: [ed.public_spki_pem] })
    await expectAjwtError(() => store.addKey('guido', ed.private_pkcs8_pem), 'invalid_key', /private/)
    await expectAjwtError(() => store.addKey('rosa', 'ssh-rsa AAAA'), 'invalid_key')
    await expectAjwtError(() => store.addKey('rosa', './rosa.pub'), 'invalid_key', /looks like a file path: read the file/)
    await expectAjwtError(() => store.addKey('rosa', Buffer.from(ed.public_spki_pem) as unknown as string), 'invalid_key', /not bytes/)
    await expectAjwtError(() => store.addKey('rosa', ecPem), 'invalid_key', /^MemoryKeyStore: the key of user "rosa": unsupported/)
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

/** What `new MemoryKeyStore(seed)` throws, synchronously: the constructor must not return at all. */
function constructorError(seed: unknown): AjwtError {
  let store: MemoryKeyStore | undefined
  let caught: unknown
  try {
    store = new MemoryKeyStore(seed as Record<string, string[]>)
  } catch (error) {
    caught = error
  }
  expect(store, 'the constructor returned a store').toBeUndefined()
  expect(caught).toBeInstanceOf(AjwtError)
  return caught as AjwtError
}

describe('MemoryKeyStore: the constructor fails fast, synchronously', () => {
  const rsaJwk = rsa.public_jwk as Record<string, unknown>

  it('a file path instead of the file: says to read the file', () => {
    for (const path of ['./billing.pub', '/etc/keys/x.pem', 'billing.pub', '../keys/billing.pub', '~/.ssh/id_ed25519.pub', 'C:\\keys\\billing.pem', 'keys/billing.jwk']) {
      const error = constructorError({ billing: [path] })
      expect(error.code, path).toBe('invalid_key')
      expect(error.message, path).toBe(
        `MemoryKeyStore: the key of user "billing": this looks like a file path: read the file, e.g. readFileSync(path, 'utf8'), and pass its content`,
      )
    }
  })

  it('private keys in every format', () => {
    const privateJwk = { ...(ed.public_jwk as Record<string, unknown>), d: 'c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MDA' }
    for (const input of [ed.private_pkcs8_pem, rsa.private_pkcs1_pem, rsa.private_pkcs8_pem_encrypted, ed.private_openssh, privateJwk, JSON.stringify(privateJwk)]) {
      const error = constructorError({ guido: [ed.public_spki_pem, input] })
      expect(error.code).toBe('invalid_key')
      expect(error.message).toMatch(/^MemoryKeyStore: key 2 of user "guido": this is a private (key|JWK).*: give the server the public key only$/)
      expect(error.message).not.toContain('c2VjcmV0')
    }
  })

  it('bytes, numbers and other non-keys', () => {
    const bytes = Buffer.from(ed.public_spki_pem)
    const cases: Array<[unknown, RegExp]> = [
      [bytes, /must be text, not bytes: decode them first/],
      [new Uint8Array(bytes), /not bytes/],
      [bytes.buffer, /not bytes/],
      [42, /not a number/],
      [null, /not null/],
      [true, /not a boolean/],
      [() => ed.public_spki_pem, /not a function/],
      [[ed.public_spki_pem], /not an array/],
      ['', /empty public key/],
      ['hello world', /unrecognised public key/],
      [{ kty: 'RSA' }, /needs the members "n" and "e"/],
      [{}, /unsupported key: kty=\? crv=\?/],
    ]
    for (const [input, message] of cases) {
      const error = constructorError({ guido: [input] })
      expect(error.code).toBe('invalid_key')
      expect(error.message).toMatch(message)
    }
  })

  it('unsupported key types: EC as PEM, JWK and OpenSSH line, Ed448, certificates', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey
    const ed448 = generateKeyPairSync('ed448').publicKey
    const inputs = [
      ecPem,
      ec.export({ format: 'jwk' }),
      'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBA== host',
      'ssh-dss AAAAB3NzaC1kc3MAAAA= old',
      ed448.export({ type: 'spki', format: 'pem' }).toString(),
      '-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n',
    ]
    for (const input of inputs) {
      const error = constructorError({ guido: [input] })
      expect(error.code).toBe('invalid_key')
      expect(error.message).toMatch(/unsupported/)
    }
  })

  it('weak and degenerate keys: RSA of 1024 bits, RSA with e = 1, an Ed25519 point of small order', () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString()
    const identity = Buffer.alloc(32)
    identity[0] = 1
    const cases: Array<[unknown, RegExp]> = [
      [weak, /1024 bits refused/],
      [{ ...rsaJwk, e: 'AQ' }, /public exponent 1;/],
      [{ kty: 'OKP', crv: 'Ed25519', x: identity.toString('base64url') }, /small order/],
    ]
    for (const [input, message] of cases) expect(constructorError({ guido: [input] }).message).toMatch(message)
  })

  it('a subclass is named as itself', () => {
    class EnvLikeKeyStore extends MemoryKeyStore {}
    expect(() => new EnvLikeKeyStore({ billing: ['billing.pub'] })).toThrow(/^EnvLikeKeyStore: the key of user "billing": this looks like a file path/)
  })

  it('a seed that is not an object is invalid_options', () => {
    for (const seed of [null, 'billing.pub', [ed.public_spki_pem], 42]) {
      expect(constructorError(seed).code).toBe('invalid_options')
    }
  })

  it('every good key still imports as before', async () => {
    const store = new MemoryKeyStore({ guido: [ed.public_spki_pem, ed.public_openssh, rsaJwk, JSON.stringify(rsaJwk)] })
    await store.loaded()
    expect((await store.getKeys('guido')).map((k) => k.kid)).toEqual([ed.kid, rsa.kid])
  })
})
