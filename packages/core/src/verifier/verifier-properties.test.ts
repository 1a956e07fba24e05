import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { b64url, headerFor, NOW, RecordingNonceStore, signToken, vectors, type KeyName } from '../../test/helpers.ts'
import { AjwtError } from '../errors/ajwt-error.ts'
import { importPublicKey } from '../keys/import-public-key.ts'
import type { PublicKey } from '../keys/public-key.ts'
import type { KeyStore } from '../stores/types.ts'
import { createVerifier } from './create-verifier.ts'
import type { VerifyResult } from './types.ts'

// Every user holds every vector key, and the nonce store accepts every claim: whatever a mutant
// token names, only the verifier's own checks can refuse it (not an unknown user, not a replay).
const allKeys = await Promise.all(Object.values(vectors.keys).map((k) => importPublicKey(k.public_spki_pem)))
const everyone: KeyStore = { getKeys: async (): Promise<readonly PublicKey[]> => allKeys }
const nonces = new RecordingNonceStore()
const unexpected: unknown[] = []
const verifier = createVerifier({
  keys: everyone,
  nonces,
  now: () => NOW,
  onRejected: (error) => {
    if (error.detail.startsWith('unexpected failure')) unexpected.push(error.cause)
  },
})

const RUNS = { numRuns: 400 }
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** Resolves (never rejects) to a refusal made of an AjwtError, or to an acceptance. */
async function verdict(authorization: string): Promise<VerifyResult> {
  const result = await verifier.verify(authorization)
  if (!result.ok) {
    expect(result.error).toBeInstanceOf(AjwtError)
    expect([401, 503]).toContain(result.error.status)
  }
  return result
}

const keyNames: KeyName[] = ['ed25519', 'ed25519_other', 'rsa', 'rsa3072']
const validTokens = keyNames.flatMap((name, i) => [
  signToken(headerFor(name), { username: `user-${i}`, time: NOW, nonce: `nonce-${i}` }, name),
  signToken({ alg: headerFor(name).alg }, { username: `user-${i}`, time: NOW - 7, nonce: `other-${i}`, extra: [1] }, name),
])

const token = fc.constantFrom(...validTokens)
const anyChar = fc.oneof(
  fc.constantFrom(...BASE64URL),
  fc.constantFrom('.', '=', '+', '/', ' ', '\t', '\u0000', 'é', '😀'),
  fc.string({ minLength: 1, maxLength: 1 }),
)

type Mutation = (t: string) => fc.Arbitrary<string>
const mutations: Mutation[] = [
  // Replace one character.
  (t) => fc.tuple(fc.nat({ max: t.length - 1 }), anyChar).map(([i, c]) => t.slice(0, i) + c + t.slice(i + 1)),
  // Insert one or a few characters.
  (t) => fc.tuple(fc.nat({ max: t.length }), fc.string({ minLength: 1, maxLength: 3 })).map(([i, c]) => t.slice(0, i) + c + t.slice(i)),
  (t) => fc.tuple(fc.nat({ max: t.length }), anyChar).map(([i, c]) => t.slice(0, i) + c + t.slice(i)),
  // Delete a run of characters.
  (t) => fc.tuple(fc.nat({ max: t.length - 1 }), fc.integer({ min: 1, max: 8 })).map(([i, n]) => t.slice(0, i) + t.slice(i + n)),
  // Flip one bit of one base64url character (stays in the alphabet).
  (t) =>
    fc.tuple(fc.nat({ max: t.length - 1 }), fc.integer({ min: 0, max: 5 })).map(([i, bit]) => {
      const at = BASE64URL.indexOf(t[i]!)
      return at < 0 ? t : t.slice(0, i) + BASE64URL[at ^ (1 << bit)] + t.slice(i + 1)
    }),
  // Reorder, repeat or drop segments.
  (t) => {
    const parts = t.split('.')
    return fc
      .array(fc.nat({ max: 2 }), { minLength: 1, maxLength: 5 })
      .map((order) => order.map((i) => parts[i]!).join('.'))
  },
  // Re-encode the header with a random alg and kid (payload and signature kept).
  (t) => {
    const [, payload, signature] = t.split('.')
    const header = fc.record(
      {
        alg: fc.oneof(fc.constantFrom('EdDSA', 'Ed25519', 'RS512', 'RS384', 'RS256', 'none', 'HS256', 'PS256', 'ES256'), fc.jsonValue()),
        kid: fc.oneof(fc.constantFrom(...Object.values(vectors.keys).map((k) => k.kid)), fc.jsonValue()),
        typ: fc.constantFrom('JWT', 'jwt', undefined),
      },
      { requiredKeys: [] },
    )
    return header.map((h) => `${b64url(JSON.stringify(h))}.${payload}.${signature}`)
  },
  // Re-encode the payload with other claims (header and signature kept).
  (t) => {
    const [header, , signature] = t.split('.')
    const payload = fc.record({
      username: fc.oneof(fc.constantFrom('user-0', 'user-2', 'guido'), fc.jsonValue()),
      time: fc.oneof(fc.integer({ min: NOW - 30, max: NOW + 30 }), fc.jsonValue()),
      nonce: fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.jsonValue()),
    })
    return payload.map((p) => `${header}.${b64url(JSON.stringify(p))}.${signature}`)
  },
  // Borrow the signature of another valid token.
  (t) => token.map((other) => `${t.slice(0, t.lastIndexOf('.'))}${other.slice(other.lastIndexOf('.'))}`),
]

const mutant = token.chain((t) => fc.oneof(...mutations.map((m) => m(t))).map((m) => ({ original: t, mutant: m })))

describe('verifier properties (fast-check)', () => {
  it('the valid tokens used below are accepted as they are', async () => {
    for (const t of validTokens) expect((await verdict(`JWT ${t}`)).ok).toBe(true)
  })

  it('random Authorization headers are never accepted and never make verify reject', async () => {
    const segment = fc.string({ unit: fc.constantFrom(...BASE64URL), maxLength: 120 })
    const header = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'grapheme', maxLength: 100 }),
      // Any UTF-16 code unit, lone surrogates included (cheaper to build than unit: 'binary').
      fc.string({ unit: fc.nat({ max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 100 }),
      fc.tuple(fc.constantFrom('JWT', 'jwt', 'Bearer', 'JWT  ', ''), fc.array(segment, { maxLength: 6 })).map(
        ([scheme, parts]) => `${scheme} ${parts.join('.')}`,
      ),
      fc.tuple(fc.jsonValue(), fc.jsonValue(), segment).map(
        ([h, p, s]) => `JWT ${b64url(JSON.stringify(h) ?? '')}.${b64url(JSON.stringify(p) ?? '')}.${s}`,
      ),
    )
    await fc.assert(
      fc.asyncProperty(header, async (value) => {
        expect((await verdict(value)).ok).toBe(false)
      }),
      RUNS,
    )
    expect(unexpected).toEqual([])
  })

  it('no mutation of a valid token is accepted, and none makes verify reject', async () => {
    await fc.assert(
      fc.asyncProperty(mutant, async ({ original, mutant }) => {
        // Surrounding blanks are trimmed from the header: that is the same token, not a mutant.
        fc.pre(mutant.trim() !== original)
        const result = await verdict(`JWT ${mutant}`)
        expect(result.ok, mutant).toBe(false)
      }),
      RUNS,
    )
    expect(unexpected).toEqual([])
  })

  it('a properly signed token with random claims is accepted exactly when its claims are valid', async () => {
    const value = fc.oneof(fc.jsonValue(), fc.constant(undefined))
    const claims = fc.record(
      {
        username: fc.oneof(fc.string({ minLength: 0, maxLength: 260 }), value),
        time: fc.oneof(fc.integer({ min: NOW - 25, max: NOW + 25 }), fc.double(), value),
        nonce: fc.oneof(fc.string({ minLength: 0, maxLength: 130 }), value),
        exp: fc.oneof(fc.integer({ min: NOW - 60, max: NOW + 60 }), value),
        nbf: fc.oneof(fc.integer({ min: NOW - 60, max: NOW + 60 }), value),
      },
      { requiredKeys: ['username', 'time', 'nonce'] },
    )
    const isText = (v: unknown, max: number) => typeof v === 'string' && v.length > 0 && v.length <= max
    await fc.assert(
      fc.asyncProperty(claims, fc.constantFrom<KeyName>('ed25519', 'rsa'), async (c, name) => {
        const result = await verdict(`JWT ${signToken(headerFor(name), c, name)}`)
        const { exp, nbf, time } = c as Record<string, unknown>
        const expected =
          isText(c.username, 256) &&
          isText(c.nonce, 128) &&
          Number.isSafeInteger(time) &&
          Math.abs(NOW - (time as number)) <= 20 &&
          (exp === undefined || (typeof exp === 'number' && NOW - 20 < exp)) &&
          (nbf === undefined || (typeof nbf === 'number' && NOW + 20 >= nbf))
        expect(result.ok, JSON.stringify(c)).toBe(expected)
      }),
      RUNS,
    )
    expect(unexpected).toEqual([])
  })
})
