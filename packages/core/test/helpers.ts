// Shared by the tests: the Python reference's keys, and a token maker that signs ANY header and
// payload with node:crypto (jose refuses to sign most of the hostile tokens the tests need).
import { createHmac, createPrivateKey, sign } from 'node:crypto'
import { expect } from 'vitest'
import vectors from './fixtures/wire-vectors.json' with { type: 'json' }
import { AjwtError, type AjwtErrorCode } from '../src/errors/ajwt-error.ts'
import type { PublicKey } from '../src/keys/public-key.ts'
import type { KeyStore, NonceClaim, NonceStore } from '../src/stores/types.ts'

export { vectors }
export type KeyName = keyof typeof vectors.keys

/** The server clock of the tests (the vectors' `now`). */
export const NOW = 1_700_000_000

export const b64url = (value: string | Uint8Array): string => Buffer.from(value).toString('base64url')

const HASH: Record<string, string> = { RS256: 'sha256', RS384: 'sha384', RS512: 'sha512' }

/**
 * Signs `header.payload` with a vector key (or a PKCS#8 PEM), whatever the header says; `signAs`
 * overrides the algorithm actually used. A string payload is sent as is (not JSON-encoded).
 */
export function signToken(
  header: Record<string, unknown>,
  payload: unknown,
  key: KeyName | { privatePem: string; publicPem: string },
  signAs: string = String(header.alg),
): string {
  const pems = typeof key === 'string'
    ? { privatePem: vectors.keys[key].private_pkcs8_pem, publicPem: vectors.keys[key].public_spki_pem }
    : key
  const input = `${b64url(JSON.stringify(header))}.${b64url(typeof payload === 'string' ? payload : JSON.stringify(payload))}`
  const privateKey = createPrivateKey(pems.privatePem)
  let signature: Buffer
  if (signAs === 'HS256') {
    signature = createHmac('sha256', pems.publicPem).update(input).digest()
  } else if (signAs === 'none') {
    signature = Buffer.alloc(0)
  } else {
    const hash = privateKey.asymmetricKeyType === 'ed25519' ? null : (HASH[signAs] ?? 'sha512')
    signature = sign(hash, Buffer.from(input), privateKey)
  }
  return `${input}.${b64url(signature)}`
}

/** Claims of a fresh, valid token at {@link NOW}. */
export function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { username: 'guido', time: NOW, nonce: `n-${Math.random().toString(36).slice(2)}`, ...overrides }
}

/** The header a client signs with a vector key. */
export function headerFor(keyName: KeyName, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const alg = vectors.keys[keyName].algorithms[0]
  return { alg, typ: 'JWT', kid: vectors.keys[keyName].kid, ...overrides }
}

/** A KeyStore over fixed keys that records every lookup. */
export class RecordingKeyStore implements KeyStore {
  readonly calls: string[] = []
  constructor(private readonly users: Record<string, readonly PublicKey[]>) {}
  async getKeys(username: string): Promise<readonly PublicKey[]> {
    this.calls.push(username)
    return Object.hasOwn(this.users, username) ? this.users[username]! : []
  }
}

/** A NonceStore that accepts every claim (so a test sees what the signature check alone decides) and records it. */
export class RecordingNonceStore implements NonceStore {
  readonly calls: NonceClaim[] = []
  async claim(claim: NonceClaim): Promise<boolean> {
    this.calls.push(claim)
    return true
  }
}

/** A PublicKey that counts its signature checks and otherwise behaves as the real one. */
export function countingKey(key: PublicKey): PublicKey & { checks: number } {
  const counted = Object.create(key) as PublicKey & { checks: number }
  counted.checks = 0
  counted.verifySignature = (algorithm, data, signature) => {
    counted.checks++
    return key.verifySignature(algorithm, data, signature)
  }
  return counted
}

/**
 * Asserts that `action` fails with an AjwtError of `code` whose detail matches `message` (and,
 * for the setup errors thrown to developers, whose message says the same).
 */
export async function expectAjwtError(
  action: () => Promise<unknown> | unknown,
  code: AjwtErrorCode,
  message?: RegExp,
): Promise<AjwtError> {
  let caught: unknown
  try {
    await action()
  } catch (error) {
    caught = error
  }
  expect(caught, 'expected an AjwtError').toBeInstanceOf(AjwtError)
  const error = caught as AjwtError
  expect(error.code, error.detail).toBe(code)
  if (message) expect(error.detail).toMatch(message)
  if (code === 'invalid_key' || code === 'invalid_options') expect(error.message).toBe(error.detail)
  return error
}
