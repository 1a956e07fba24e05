import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  b64url,
  claims,
  countingKey,
  expectAjwtError,
  headerFor,
  NOW,
  RecordingKeyStore,
  RecordingNonceStore,
  signToken,
  vectors,
} from '../../test/helpers.ts'
import { AjwtError, type AjwtErrorCode } from '../errors/ajwt-error.ts'
import { generateKeyPair } from '../keys/generate-key-pair.ts'
import { importPublicKey } from '../keys/import-public-key.ts'
import type { PublicKey } from '../keys/public-key.ts'
import { MemoryNonceStore } from '../stores/memory-nonce-store.ts'
import type { KeyStore, NonceStore } from '../stores/types.ts'
import { loadStandIns } from './check-signature.ts'
import { createVerifier } from './create-verifier.ts'
import type { Auth, VerifierOptions, VerifyResult } from './types.ts'

const edKey = await importPublicKey(vectors.keys.ed25519.public_spki_pem)
const rsaKey = await importPublicKey(vectors.keys.rsa.public_spki_pem)

/** guido holds the Ed25519 vector key, rosa the RSA one. */
function setup(options: Partial<VerifierOptions> = {}) {
  const keys = new RecordingKeyStore({ guido: [edKey], rosa: [rsaKey] })
  const nonces = new RecordingNonceStore()
  const rejected: AjwtError[] = []
  const verifier = createVerifier({
    keys,
    nonces,
    now: () => NOW,
    onRejected: (error) => rejected.push(error),
    ...options,
  })
  return { verifier, keys, nonces, rejected }
}

/** The verdict's code ('ok' when accepted); also checks that the promise never rejects. */
async function codeOf(verdict: Promise<VerifyResult>): Promise<AjwtErrorCode | 'ok'> {
  const result = await verdict
  return result.ok ? 'ok' : result.error.code
}

const edToken = (overrides: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
  signToken(headerFor('ed25519', header), claims(overrides), 'ed25519')

describe('createVerifier: the header itself', () => {
  it('accepts a good token (the baseline the rejections below differ from)', async () => {
    const { verifier, keys, nonces } = setup()
    const result = await verifier.verify(`JWT ${edToken()}`)
    expect(result.ok && result.auth.username).toBe('guido')
    expect(keys.calls).toEqual(['guido'])
    expect(nonces.calls).toHaveLength(1)
  })

  it('no header at all: missing_token', async () => {
    const { verifier, keys } = setup()
    for (const value of [undefined, null, '']) expect(await codeOf(verifier.verify(value))).toBe('missing_token')
    expect(keys.calls).toEqual([])
  })

  it('a header that is not text (e.g. a repeated header) is malformed', async () => {
    const { verifier } = setup()
    for (const value of [42, ['JWT a.b.c'], { toString: () => 'JWT a.b.c' }]) {
      expect(await codeOf(verifier.verify(value as unknown as string))).toBe('malformed')
    }
  })

  it('refuses a header over 8 KB before parsing anything: no scheme check, no decoding, no store', async () => {
    const { verifier, keys, nonces, rejected } = setup()
    // The largest valid header within the limit and the smallest one over it (padding claim).
    let exact = ''
    let over = ''
    for (let pad = 5000; !over; pad++) {
      const header = `JWT ${edToken({ nonce: 'fixed', pad: 'p'.repeat(pad) })}`
      if (header.length <= 8192) exact = header
      else over = header
    }
    expect(exact.length).toBeGreaterThan(8180)
    expect(exact.length).toBeLessThanOrEqual(8192)
    expect(await codeOf(verifier.verify(exact))).toBe('ok')
    keys.calls.length = 0
    nonces.calls.length = 0

    expect(over.length).toBeGreaterThan(8192)
    expect(await codeOf(verifier.verify(over))).toBe('header_too_large')
    // A validly signed token: had it been decoded it would have been accepted.
    expect(await codeOf(verifier.verify(`Bearer ${'x'.repeat(9000)}`))).toBe('header_too_large')
    expect(await codeOf(verifier.verify(`JWT ${'%'.repeat(1_000_000)}`))).toBe('header_too_large')
    expect(keys.calls).toEqual([])
    expect(nonces.calls).toEqual([])
    expect(rejected.at(-1)!.detail).toBe('Authorization header of 1000004 characters (limit 8192)')
  })

  it('maxHeaderLength is configurable', async () => {
    const { verifier } = setup({ maxHeaderLength: 100 })
    expect(await codeOf(verifier.verify(`JWT ${edToken()}`))).toBe('header_too_large')
  })

  it('another scheme is not ours: invalid_scheme, an invalid_request body', async () => {
    const { verifier, keys } = setup()
    const token = edToken()
    for (const header of [`Bearer ${token}`, 'Basic Z3VpZG86c2VjcmV0', `JWTX ${token}`, `JW ${token}`, `JWT\t${token}`, ` JWT ${token}`, token]) {
      const result = await verifier.verify(header)
      expect(result.ok ? 'accepted' : result.error.code, header.slice(0, 12)).toBe('invalid_scheme')
      if (!result.ok) expect(result.error.body.error).toBe('invalid_request')
    }
    expect(keys.calls).toEqual([])
  })

  it('the scheme word alone, or with nothing after it, is malformed', async () => {
    const { verifier } = setup()
    for (const header of ['JWT', 'jwt', 'JWT ', 'JWT    ']) expect(await codeOf(verifier.verify(header))).toBe('malformed')
  })

  it('tolerates extra spaces around the token', async () => {
    const { verifier } = setup()
    expect(await codeOf(verifier.verify(`JWT   ${edToken()}  `))).toBe('ok')
  })
})

describe('createVerifier: the token’s shape', () => {
  const [h, p, s] = edToken().split('.') as [string, string, string]

  it('2, 4 or 5 (JWE) segments, or empty ones: malformed', async () => {
    const { verifier, keys } = setup()
    for (const token of [`${h}.${p}`, `${h}.${p}.${s}.${s}`, `${h}.${p}.${s}.${s}.${s}`, `${h}..${s}`, `.${p}.${s}`, '..', h]) {
      expect(await codeOf(verifier.verify(`JWT ${token}`)), token.slice(0, 30)).toBe('malformed')
    }
    expect(keys.calls).toEqual([])
  })

  it('characters outside base64url: malformed', async () => {
    const { verifier, keys } = setup()
    const bad = ['+', '/', '=', ' ', '%', '!', 'é', '\u0000', '\n', '.']
    for (const char of bad) {
      for (const token of [`${h}${char}.${p}.${s}`, `${h}.${char}${p}.${s}`, `${h}.${p}.${s.slice(0, 10)}${char}${s.slice(11)}`]) {
        expect(await codeOf(verifier.verify(`JWT ${token}`)), JSON.stringify(char)).toBe('malformed')
      }
    }
    expect(keys.calls).toEqual([])
  })

  it('a header or payload that is not a JSON object: malformed', async () => {
    const { verifier, keys } = setup()
    for (const payload of ['[1,2]', '42', '"guido"', 'null', 'true', '{"username":', 'not json', '']) {
      const token = signToken(headerFor('ed25519'), payload, 'ed25519')
      expect(await codeOf(verifier.verify(`JWT ${token}`)), payload).toBe('malformed')
    }
    for (const header of ['[]', '"EdDSA"', '{']) {
      expect(await codeOf(verifier.verify(`JWT ${b64url(header)}.${p}.${s}`)), header).toBe('malformed')
    }
    expect(keys.calls).toEqual([])
  })

  it('a signature segment spelled non-canonically (unused low bits set) is not the same token', async () => {
    const { verifier, keys } = setup()
    const token = edToken()
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = alphabet.indexOf(token.at(-1)!)
    // An Ed25519 signature is 64 bytes: 86 characters, the last one carries 2 bits and 4 unused.
    for (let unused = 1; unused < 16; unused++) {
      const sibling = `${token.slice(0, -1)}${alphabet[last | unused]}`
      if (sibling === token) continue
      expect(Buffer.from(sibling.split('.')[2]!, 'base64url')).toEqual(Buffer.from(token.split('.')[2]!, 'base64url'))
      expect(await codeOf(verifier.verify(`JWT ${sibling}`))).toBe('malformed')
    }
    expect(keys.calls).toEqual([])
    expect(await codeOf(verifier.verify(`JWT ${token}`))).toBe('ok')
  })
})

describe('createVerifier: claims', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['username too long', { username: 'g'.repeat(257) }],
    ['username empty', { username: '' }],
    ['username a number', { username: 42 }],
    ['username a list', { username: ['guido'] }],
    ['username an object', { username: { name: 'guido' } }],
    ['username null', { username: null }],
    ['nonce too long', { nonce: 'n'.repeat(129) }],
    ['nonce a number', { nonce: 12345 }],
    ['nonce empty', { nonce: '' }],
    ['nonce missing', { nonce: undefined }],
    ['time a float', { time: NOW + 0.5 }],
    ['time negative', { time: -NOW }],
    ['time a string', { time: String(NOW) }],
    ['time huge', { time: 1e300 }],
    ['time beyond safe integers', { time: 2 ** 53 }],
    ['time a boolean', { time: true }],
    ['time null', { time: null }],
    ['exp a string', { exp: String(NOW + 60) }],
    ['nbf a list', { nbf: [NOW] }],
  ]
  for (const [name, overrides] of cases) {
    it(`${name}: invalid_claims, without asking any store`, async () => {
      const { verifier, keys, nonces } = setup()
      expect(await codeOf(verifier.verify(`JWT ${edToken(overrides)}`))).toBe('invalid_claims')
      expect(keys.calls).toEqual([])
      expect(nonces.calls).toEqual([])
    })
  }

  it('the longest username and nonce allowed are accepted', async () => {
    const username = `g${'u'.repeat(255)}`
    const keys = new RecordingKeyStore({ [username]: [edKey] })
    const verifier = createVerifier({ keys, nonces: new RecordingNonceStore(), now: () => NOW })
    const result = await verifier.verify(`JWT ${edToken({ username, nonce: 'n'.repeat(128) })}`)
    expect(result.ok && result.auth.username).toBe(username)
  })

  it('time outside the tolerance: invalid_time; inside it: accepted', async () => {
    const { verifier } = setup()
    expect(await codeOf(verifier.verify(`JWT ${edToken({ time: NOW - 21 })}`))).toBe('invalid_time')
    expect(await codeOf(verifier.verify(`JWT ${edToken({ time: NOW + 21 })}`))).toBe('invalid_time')
    expect(await codeOf(verifier.verify(`JWT ${edToken({ time: NOW - 20 })}`))).toBe('ok')
    expect(await codeOf(verifier.verify(`JWT ${edToken({ time: NOW + 20 })}`))).toBe('ok')
    const strict = setup({ toleranceSeconds: 5 }).verifier
    expect(await codeOf(strict.verify(`JWT ${edToken({ time: NOW - 6 })}`))).toBe('invalid_time')
  })

  it('honours exp and nbf', async () => {
    const { verifier } = setup()
    expect(await codeOf(verifier.verify(`JWT ${edToken({ exp: NOW - 60 })}`))).toBe('token_expired')
    expect(await codeOf(verifier.verify(`JWT ${edToken({ nbf: NOW + 60 })}`))).toBe('token_not_yet_valid')
    expect(await codeOf(verifier.verify(`JWT ${edToken({ exp: NOW + 60, nbf: NOW - 60 })}`))).toBe('ok')
  })

  it('passes every claim through to auth.claims', async () => {
    const { verifier } = setup()
    const result = await verifier.verify(`JWT ${edToken({ scope: ['read'], nonce: 'abc' })}`)
    expect(result.ok && result.auth).toEqual({
      username: 'guido',
      kid: vectors.keys.ed25519.kid,
      time: NOW,
      nonce: 'abc',
      claims: { username: 'guido', time: NOW, nonce: 'abc', scope: ['read'] },
    })
  })
})

describe('createVerifier: header parameters', () => {
  it('a kid of 10 KB is refused (as too large a header by default, as a bad kid when the limit is raised)', async () => {
    const kid = 'k'.repeat(10 * 1024)
    const small = setup()
    expect(await codeOf(small.verifier.verify(`JWT ${edToken({}, { kid })}`))).toBe('header_too_large')
    const large = setup({ maxHeaderLength: 64 * 1024 })
    expect(await codeOf(large.verifier.verify(`JWT ${edToken({}, { kid })}`))).toBe('invalid_header')
    expect(large.keys.calls).toEqual([])
  })

  it('a kid that is a path, has spaces or is not text is refused before any key lookup', async () => {
    const { verifier, keys } = setup()
    for (const kid of ['../../etc/passwd', '..\\..\\boot.ini', `${vectors.keys.ed25519.kid}/..`, 'a b', 'a\nb', '', 42, { $ne: null }, ['x']]) {
      expect(await codeOf(verifier.verify(`JWT ${edToken({}, { kid })}`)), JSON.stringify(kid)).toBe('invalid_header')
    }
    expect(keys.calls).toEqual([])
  })

  it('a kid is judged on every token: a valid one seen before vouches for no other', async () => {
    const { verifier } = setup()
    const valid = vectors.keys.ed25519.kid
    for (const kid of ['', `${valid} `, `${valid}/..`, 42, '', 'a b']) {
      expect((await verifier.verify(`JWT ${edToken({}, { kid: valid })}`)).ok).toBe(true)
      expect(await codeOf(verifier.verify(`JWT ${edToken({}, { kid })}`)), JSON.stringify(kid)).toBe('invalid_header')
    }
  })

  it('an unknown crit is refused', async () => {
    const { verifier } = setup()
    for (const crit of [['exp'], ['b64'], ['http://example.com/custom'], []]) {
      expect(await codeOf(verifier.verify(`JWT ${edToken({}, { crit, b64: true })}`))).toBe('invalid_header')
    }
  })

  describe('jku, x5u, jwk and x5c are never fetched nor trusted', () => {
    let server: Server
    let hits = 0
    let base = ''
    beforeAll(async () => {
      server = createServer((_req, res) => {
        hits++
        res.writeHead(200, { 'content-type': 'application/json', connection: 'close' })
        res.end(JSON.stringify({ keys: [vectors.keys.ed25519_other.public_jwk] }))
      })
      server.requestTimeout = 5_000
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    })
    afterAll(async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    })

    it('the test server answers when asked (so zero hits below means: never asked)', async () => {
      const before = hits
      expect((await fetch(`${base}/probe`)).status).toBe(200)
      expect(hits).toBe(before + 1)
    })

    it('refuses tokens naming key material, signed by an attacker key or even by the right one', async () => {
      const { verifier, keys } = setup()
      hits = 0
      const attackerJwk = vectors.keys.ed25519_other.public_jwk
      const headers: Array<Record<string, unknown>> = [
        { jku: `${base}/jwks.json` },
        { x5u: `${base}/cert.pem` },
        { jwk: attackerJwk },
        { x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] },
        { jku: `${base}/jwks.json`, kid: vectors.keys.ed25519_other.kid },
      ]
      for (const extra of headers) {
        for (const signer of ['ed25519_other', 'ed25519'] as const) {
          const token = signToken(headerFor(signer, extra), claims(), signer)
          const result = await verifier.verify(`JWT ${token}`)
          expect(result.ok ? 'accepted' : result.error.code, Object.keys(extra).join()).toBe('invalid_header')
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(hits).toBe(0)
      expect(keys.calls).toEqual([])
    })
  })
})

describe('createVerifier: algorithms come from the key', () => {
  it('none, in any spelling, with or without a signature', async () => {
    const { verifier, keys } = setup()
    for (const alg of ['none', 'None', 'NONE']) {
      for (const signAs of ['none', 'EdDSA']) {
        const token = signToken(headerFor('ed25519', { alg }), claims(), 'ed25519', signAs)
        expect(await codeOf(verifier.verify(`JWT ${token}`))).toBe('invalid_algorithm')
      }
    }
    expect(keys.calls).toEqual([])
  })

  it('HS256 keyed with the public key PEM (algorithm confusion)', async () => {
    const { verifier } = setup()
    for (const alg of ['HS256', 'HS384', 'HS512']) {
      const token = signToken(headerFor('rsa', { alg }), claims({ username: 'rosa' }), 'rsa', 'HS256')
      expect(await codeOf(verifier.verify(`JWT ${token}`))).toBe('invalid_algorithm')
    }
  })

  it('other or missing algorithms', async () => {
    const { verifier } = setup()
    for (const alg of ['PS256', 'ES256', 'EdDSA ', 'rs512', 'Ed448', undefined, 42, null, ['RS512']]) {
      const token = signToken({ typ: 'JWT', alg }, claims({ username: 'rosa' }), 'rsa', 'RS512')
      expect(await codeOf(verifier.verify(`JWT ${token}`)), JSON.stringify(alg)).toBe('invalid_algorithm')
    }
  })

  it('an EdDSA token against an RSA key, an RS256 token against an Ed25519 key', async () => {
    const { verifier } = setup()
    // Signed by the right key of another type, claiming the other user: with and without kid.
    const edAsRosa = signToken(headerFor('ed25519'), claims({ username: 'rosa' }), 'ed25519')
    const rsaAsGuido = signToken(headerFor('rsa', { alg: 'RS256' }), claims(), 'rsa')
    const edAsRosaNoKid = signToken({ alg: 'EdDSA', typ: 'JWT' }, claims({ username: 'rosa' }), 'ed25519')
    const rsaAsGuidoRsaKid = signToken({ alg: 'RS256', kid: vectors.keys.ed25519.kid }, claims(), 'rsa')
    for (const token of [edAsRosa, rsaAsGuido, edAsRosaNoKid, rsaAsGuidoRsaKid]) {
      expect(await codeOf(verifier.verify(`JWT ${token}`))).toBe('invalid_algorithm')
    }
  })

  it('RS512, RS384, RS256 for RSA keys; EdDSA and Ed25519 for Ed25519 keys', async () => {
    const { verifier } = setup()
    for (const alg of ['RS512', 'RS384', 'RS256']) {
      const token = signToken(headerFor('rsa', { alg }), claims({ username: 'rosa' }), 'rsa')
      expect(await codeOf(verifier.verify(`JWT ${token}`))).toBe('ok')
    }
    for (const alg of ['EdDSA', 'Ed25519']) expect(await codeOf(verifier.verify(`JWT ${edToken({}, { alg })}`))).toBe('ok')
  })
})

describe('createVerifier: what the client sees', () => {
  it('unknown user and bad signature get identical status, headers, body and message', async () => {
    const { verifier } = setup()
    const unknown = await verifier.verify(`JWT ${edToken({ username: 'mallory' })}`)
    const forged = await verifier.verify(`JWT ${signToken(headerFor('ed25519'), claims(), 'ed25519_other')}`)
    const unknownKid = await verifier.verify(`JWT ${signToken(headerFor('ed25519_other'), claims(), 'ed25519_other')}`)
    const replayed = setup({ nonces: { claim: async () => false } })
    const replay = await replayed.verifier.verify(`JWT ${edToken()}`)
    const errors = [unknown, forged, unknownKid, replay].map((r) => (r.ok ? undefined : r.error))
    expect(errors.map((e) => e?.code)).toEqual(['unknown_user', 'invalid_signature', 'invalid_signature', 'replay'])
    for (const error of errors) {
      expect([error!.status, error!.statusCode, error!.headers, error!.body, error!.message]).toEqual([
        401,
        401,
        { 'www-authenticate': 'JWT error="invalid_token"' },
        { error: 'invalid_token', message: 'Invalid JWT credentials' },
        'Unauthorized',
      ])
      expect(JSON.stringify(error)).toBe(JSON.stringify(error!.body))
    }
    expect(new Set(errors.map((e) => e!.expose)).size).toBe(1)
  })

  for (const [what, store] of [
    ['key store throws', { keys: { getKeys: async () => { throw new Error('ECONNREFUSED') } } }],
    ['key store rejects with a non-error', { keys: { getKeys: () => Promise.reject(undefined) } }],
    ['key store throws synchronously', { keys: { getKeys: () => { throw new Error('boom') } } }],
    ['key store answers no array', { keys: { getKeys: async () => undefined } }],
    ['nonce store throws', { nonces: { claim: async () => { throw new Error('READONLY') } } }],
    ['nonce store throws synchronously', { nonces: { claim: () => { throw new Error('boom') } } }],
  ] as Array<[string, Partial<{ keys: KeyStore; nonces: NonceStore }>]>) {
    it(`${what}: store_unavailable, 503 with retry-after (fail closed)`, async () => {
      const { verifier } = setup(store)
      const result = await verifier.verify(`JWT ${edToken()}`)
      expect(result.ok).toBe(false)
      if (result.ok) return
      expect(result.error.code).toBe('store_unavailable')
      expect(result.error.status).toBe(503)
      expect(result.error.headers).toEqual({ 'www-authenticate': 'JWT error="temporarily_unavailable"', 'retry-after': '1' })
      expect(result.error.body.error).toBe('temporarily_unavailable')
    })
  }

  it('a store throwing a value that cannot even be printed still gets a clean 503', async () => {
    const unprintable = { toString: () => { throw new Error('no') } }
    const { verifier, rejected } = setup({ nonces: { claim: () => Promise.reject(unprintable) } })
    expect(await codeOf(verifier.verify(`JWT ${edToken()}`))).toBe('store_unavailable')
    expect(rejected[0]!.detail).toBe('the nonce store failed: an unprintable value')
    expect(rejected[0]!.cause).toBe(unprintable)
  })

  it('a broken clock (NaN) refuses every token instead of accepting any time', async () => {
    const { verifier } = setup({ now: () => Number.NaN })
    expect(await codeOf(verifier.verify(`JWT ${edToken()}`))).toBe('invalid_time')
    expect(await codeOf(verifier.verify(`JWT ${edToken({ time: 1 })}`))).toBe('invalid_time')
  })

  it('calls onVerified and onRejected, and a throwing hook does not change the verdict', async () => {
    const verified: Auth[] = []
    const rejected: AjwtErrorCode[] = []
    const calm = setup({ onVerified: (auth) => verified.push(auth), onRejected: (error) => rejected.push(error.code) })
    expect(await codeOf(calm.verifier.verify(`JWT ${edToken()}`))).toBe('ok')
    expect(await codeOf(calm.verifier.verify('Bearer x'))).toBe('invalid_scheme')
    expect(verified.map((a) => a.username)).toEqual(['guido'])
    expect(rejected).toEqual(['invalid_scheme'])

    const hooks: Array<Pick<VerifierOptions, 'onVerified' | 'onRejected'>> = [
      { onVerified: () => { throw new Error('log down') }, onRejected: () => { throw new Error('log down') } },
      { onVerified: async () => { throw new Error('log down') }, onRejected: async () => { throw new Error('log down') } },
    ]
    for (const hook of hooks) {
      const { verifier } = setup(hook)
      expect(await codeOf(verifier.verify(`JWT ${edToken()}`))).toBe('ok')
      expect(await codeOf(verifier.verify(`JWT ${edToken({ username: 'mallory' })}`))).toBe('unknown_user')
    }
  })

  it('asks the store to keep each claim while any server could still accept the token, plus the clock skew', async () => {
    const { verifier, nonces } = setup()
    await verifier.verify(`JWT ${edToken({ nonce: 'abc', time: NOW - 3 })}`)
    // Whole seconds are compared: a token of NOW - 3 passes until the clock reaches NOW + 18,
    // i.e. 18 s from now; the record lives 10 s (the default skew) longer.
    expect(nonces.calls).toEqual([{ username: 'guido', time: NOW - 3, nonce: 'abc', ttlMs: 28_000 }])
    const skewed = setup({ clockSkewSeconds: 2.5, now: () => NOW + 0.25 })
    await skewed.verifier.verify(`JWT ${edToken({ nonce: 'abc', time: NOW + 20 })}`)
    expect(skewed.nonces.calls).toEqual([{ username: 'guido', time: NOW + 20, nonce: 'abc', ttlMs: 43_250 }])
  })

  it('a token cannot be replayed at the very edge of its window (real MemoryNonceStore, same clock)', async () => {
    let clock = NOW
    const verifier = createVerifier({
      keys: new RecordingKeyStore({ guido: [edKey] }),
      nonces: new MemoryNonceStore({ clock: () => clock * 1000 }),
      now: () => clock,
    })
    const early = `JWT ${edToken({ time: NOW + 20 })}`
    const onTime = `JWT ${edToken({ time: NOW })}`
    expect(await codeOf(verifier.verify(onTime))).toBe('ok')
    expect(await codeOf(verifier.verify(early))).toBe('ok')
    for (const at of [NOW + 1, NOW + 19.5, NOW + 20, NOW + 20.999]) {
      clock = at
      expect(await codeOf(verifier.verify(onTime)), String(at)).toBe('replay')
    }
    clock = NOW + 21
    expect(await codeOf(verifier.verify(onTime))).toBe('invalid_time')
    for (const at of [NOW + 39, NOW + 40, NOW + 40.999]) {
      clock = at
      expect(await codeOf(verifier.verify(early)), String(at)).toBe('replay')
    }
  })

  it('the verifier and its store need not share a clock: a store clock far ahead never releases a live claim', async () => {
    let storeClock = 0
    const verifier = createVerifier({
      keys: new RecordingKeyStore({ guido: [edKey] }),
      nonces: new MemoryNonceStore({ clock: () => storeClock }),
      now: () => NOW,
    })
    const token = `JWT ${edToken()}`
    expect(await codeOf(verifier.verify(token))).toBe('ok')
    // 30 s later on the store's clock: the verifier (still at NOW) could accept the token, the store still holds it.
    storeClock = 30_000
    expect(await codeOf(verifier.verify(token))).toBe('replay')
  })

  it('refuses a token whose window closes while it is being verified, even though its claim succeeded', async () => {
    let clock = NOW + 20.5
    const nonces = new RecordingNonceStore()
    const slowKeys: KeyStore = {
      getKeys: async () => {
        clock = NOW + 20.9
        return [edKey]
      },
    }
    const claimingLate: NonceStore = {
      claim: async (claim) => {
        clock = NOW + 21
        return nonces.claim(claim)
      },
    }
    const rejected: AjwtError[] = []
    const verifier = createVerifier({ keys: slowKeys, nonces: claimingLate, now: () => clock, onRejected: (e) => rejected.push(e) })
    expect(await codeOf(verifier.verify(`JWT ${edToken()}`))).toBe('invalid_time')
    expect(nonces.calls).toHaveLength(1)
    expect(rejected[0]!.detail).toMatch(/window closed while/)

    // Closed before the claim: no claim at all.
    clock = NOW + 20.5
    const closing: KeyStore = {
      getKeys: async () => {
        clock = NOW + 21
        return [edKey]
      },
    }
    const before = createVerifier({ keys: closing, nonces, now: () => clock })
    expect(await codeOf(before.verify(`JWT ${edToken()}`))).toBe('invalid_time')
    expect(nonces.calls).toHaveLength(1)
  })

  it('only an answer of exactly true is fresh: truthy answers are not', async () => {
    for (const answer of [1, 'true', 'OK', {}, [true], null, undefined]) {
      const store = { claim: async () => answer } as unknown as NonceStore
      const { verifier, rejected } = setup({ nonces: store })
      expect(await codeOf(verifier.verify(`JWT ${edToken()}`)), String(answer)).not.toBe('ok')
      expect(['store_unavailable', 'replay']).toContain(rejected[0]!.code)
    }
  })

  it("keeps a store's own reason in the detail when it throws an AjwtError", async () => {
    const { verifier, rejected } = setup({
      keys: { getKeys: async () => { throw new AjwtError('store_unavailable', 'JWKS URL refused: http: is not allowed') } },
    })
    expect(await codeOf(verifier.verify(`JWT ${edToken()}`))).toBe('store_unavailable')
    expect(rejected[0]!.detail).toContain('JWKS URL refused: http: is not allowed')
  })
})

/** Counts the checks spent on the stand-in keys (the cost of refusing without a real key). */
async function countStandInChecks() {
  const standIns = await loadStandIns()
  const counts = { ed25519: 0, rsa: 0 }
  for (const type of ['ed25519', 'rsa'] as const) {
    const key = standIns[type]
    const original = key.verifySignature
    key.verifySignature = (...args) => {
      counts[type]++
      return original.apply(key, args)
    }
  }
  return {
    standInChecks: () => ({ ...counts }),
    restore: () => {
      for (const type of ['ed25519', 'rsa'] as const) delete (standIns[type] as Partial<PublicKey>).verifySignature
    },
  }
}

const pairs = await Promise.all([0, 1, 2, 3].map(() => generateKeyPair('ed25519')))

describe('createVerifier: choosing the key', () => {
  const rsaPair = { privatePem: vectors.keys.rsa.private_pkcs8_pem, publicPem: vectors.keys.rsa.public_spki_pem }
  const signers = pairs.map((p) => ({ privatePem: p.privateKey, publicPem: p.publicKey }))

  async function userWithKeys() {
    const keys = await Promise.all([...pairs.map((p) => importPublicKey(p.publicKey)), importPublicKey(rsaPair.publicPem)])
    const counted = keys.map(countingKey)
    const verifier = createVerifier({
      keys: new RecordingKeyStore({ guido: counted }),
      nonces: new RecordingNonceStore(),
      now: () => NOW,
    })
    return { verifier, counted, checks: () => counted.map((k) => k.checks) }
  }

  it('a kid selects the one key to check, whichever position it has', async () => {
    const { verifier, counted, checks } = await userWithKeys()
    const token = signToken({ alg: 'EdDSA', typ: 'JWT', kid: counted[2]!.kid }, claims(), signers[2]!)
    const result = await verifier.verify(`JWT ${token}`)
    expect(result.ok && result.auth.kid).toBe(counted[2]!.kid)
    expect(checks()).toEqual([0, 0, 1, 0, 0])
  })

  it('a kid naming one key while another signed is checked against the named key only', async () => {
    const { verifier, counted, checks } = await userWithKeys()
    const token = signToken({ alg: 'EdDSA', kid: counted[0]!.kid }, claims(), signers[3]!)
    expect(await codeOf(verifier.verify(`JWT ${token}`))).toBe('invalid_signature')
    expect(checks()).toEqual([1, 0, 0, 0, 0])
  })

  it('a kid that matches no key falls back to trying the keys of its algorithm, as the reference does', async () => {
    const { verifier, counted, checks } = await userWithKeys()
    const foreign = signToken({ alg: 'EdDSA', kid: vectors.keys.ed25519.kid }, claims(), 'ed25519')
    expect(await codeOf(verifier.verify(`JWT ${foreign}`))).toBe('invalid_signature')
    expect(checks()).toEqual([1, 1, 1, 1, 0])
    const otherKid = signToken({ alg: 'EdDSA', kid: 'computed-differently' }, claims(), signers[1]!)
    const result = await verifier.verify(`JWT ${otherKid}`)
    expect(result.ok && result.auth.kid).toBe(counted[1]!.kid)
    expect(checks()).toEqual([2, 2, 1, 1, 0])
  })

  it('tries at most maxKeysTried keys: a user with more must send a matching kid', async () => {
    const many = await Promise.all(Array.from({ length: 3 }, () => generateKeyPair('ed25519')))
    const counted = (await Promise.all(many.map((p) => importPublicKey(p.publicKey)))).map(countingKey)
    const verifier = createVerifier({
      keys: new RecordingKeyStore({ guido: counted }),
      nonces: new RecordingNonceStore(),
      now: () => NOW,
      maxKeysTried: 2,
    })
    const signer = { privatePem: many[2]!.privateKey, publicPem: many[2]!.publicKey }
    for (const header of [{ alg: 'EdDSA' }, { alg: 'EdDSA', kid: 'unknown-kid' }]) {
      expect(await codeOf(verifier.verify(`JWT ${signToken(header, claims(), signer)}`))).toBe('kid_required')
    }
    expect(counted.map((k) => k.checks)).toEqual([0, 0, 0])
    const named = signToken({ alg: 'EdDSA', kid: counted[2]!.kid }, claims(), signer)
    expect(await codeOf(verifier.verify(`JWT ${named}`))).toBe('ok')
    expect(counted.map((k) => k.checks)).toEqual([0, 0, 1])
  })

  it('an unknown user, or a user without a key of the algorithm, costs one signature check like a bad signature', async () => {
    const { standInChecks, restore } = await countStandInChecks()
    try {
      const { verifier } = await userWithKeys()
      expect(await codeOf(verifier.verify(`JWT ${edToken({ username: 'mallory' })}`))).toBe('unknown_user')
      const rsaForEd = signToken({ alg: 'RS256' }, claims({ username: 'eddie' }), 'rsa')
      const eddie = createVerifier({ keys: new RecordingKeyStore({ eddie: [edKey] }), nonces: new RecordingNonceStore(), now: () => NOW })
      expect(await codeOf(eddie.verify(`JWT ${rsaForEd}`))).toBe('invalid_algorithm')
      expect(standInChecks()).toEqual({ ed25519: 1, rsa: 1 })
    } finally {
      restore()
    }
  })

  it('a store that changes its (unfrozen) array in place is followed: a removed key no longer verifies', async () => {
    const list: PublicKey[] = [edKey, rsaKey]
    const verifier = createVerifier({ keys: { getKeys: async () => list }, nonces: new RecordingNonceStore(), now: () => NOW })
    expect(await codeOf(verifier.verify(`JWT ${edToken()}`))).toBe('ok')
    list.splice(0, 1)
    expect(await codeOf(verifier.verify(`JWT ${edToken()}`))).toBe('invalid_algorithm')
    list.push(await importPublicKey(vectors.keys.ed25519_other.public_spki_pem))
    expect(await codeOf(verifier.verify(`JWT ${edToken()}`))).toBe('invalid_signature')
    list.push(edKey)
    expect(await codeOf(verifier.verify(`JWT ${edToken()}`))).toBe('ok')
  })

  it('a frozen array is indexed by kid and by fingerprint', async () => {
    const custom = await importPublicKey({ ...vectors.keys.ed25519.public_jwk, kid: 'laptop' })
    const verifier = createVerifier({
      keys: { getKeys: async () => Object.freeze([rsaKey, custom]) },
      nonces: new RecordingNonceStore(),
      now: () => NOW,
    })
    for (const kid of ['laptop', vectors.keys.ed25519.kid]) {
      const result = await verifier.verify(`JWT ${edToken({}, { kid })}`)
      expect(result.ok && result.auth.kid).toBe('laptop')
    }
  })

  it('without kid, the user’s keys of that algorithm are tried in turn until one verifies', async () => {
    const { verifier, counted, checks } = await userWithKeys()
    const token = signToken({ alg: 'EdDSA', typ: 'JWT' }, claims(), signers[2]!)
    const result = await verifier.verify(`JWT ${token}`)
    expect(result.ok && result.auth.kid).toBe(counted[2]!.kid)
    expect(checks()).toEqual([1, 1, 1, 0, 0])
    const rsa = signToken({ alg: 'RS512' }, claims(), rsaPair)
    expect(await codeOf(verifier.verify(`JWT ${rsa}`))).toBe('ok')
    expect(checks()).toEqual([1, 1, 1, 0, 1])
    const stranger = signToken({ alg: 'EdDSA' }, claims(), 'ed25519')
    expect(await codeOf(verifier.verify(`JWT ${stranger}`))).toBe('invalid_signature')
    expect(checks()).toEqual([2, 2, 2, 1, 1])
  })
})

describe('createVerifier: options', () => {
  it('refuses bad options with invalid_options', async () => {
    const keys = new RecordingKeyStore({})
    const nonces = new RecordingNonceStore()
    const bad: unknown[] = [
      undefined,
      {},
      { keys },
      { nonces },
      { keys: {}, nonces },
      { keys, nonces: {} },
      { keys, nonces, toleranceSeconds: -1 },
      { keys, nonces, toleranceSeconds: Number.NaN },
      { keys, nonces, toleranceSeconds: Number.POSITIVE_INFINITY },
      { keys, nonces, scheme: '' },
      { keys, nonces, scheme: 'JWT token' },
      { keys, nonces, scheme: 42 },
      { keys, nonces, maxHeaderLength: 0 },
      { keys, nonces, maxHeaderLength: 1.5 },
      { keys, nonces, maxHeaderLength: '8192' },
      { keys, nonces, clockSkewSeconds: -1 },
      { keys, nonces, clockSkewSeconds: Number.NaN },
      { keys, nonces, clockSkewSeconds: '10' },
      { keys, nonces, maxKeysTried: 0 },
      { keys, nonces, maxKeysTried: 2.5 },
    ]
    for (const options of bad) {
      await expectAjwtError(() => createVerifier(options as VerifierOptions), 'invalid_options', /./)
    }
  })

  it('exposes its scheme', () => {
    expect(createVerifier({ keys: new RecordingKeyStore({}), nonces: new RecordingNonceStore(), scheme: 'Ajwt' }).scheme).toBe('Ajwt')
  })

  it('uses the real clock by default', async () => {
    const verifier = createVerifier({ keys: new RecordingKeyStore({ guido: [edKey] }), nonces: new RecordingNonceStore() })
    const now = Math.floor(Date.now() / 1000)
    expect(await codeOf(verifier.verify(`JWT ${edToken({ time: now })}`))).toBe('ok')
    expect(await codeOf(verifier.verify(`JWT ${edToken()}`))).toBe('invalid_time')
  })
})


describe('createVerifier: signatureOnThreadpool', () => {
  it('checks Ed25519 off the event loop on node:crypto, with the same verdicts: valid, forged, unknown user, replay', async ({ task }) => {
    const calls: (boolean | undefined)[] = []
    const spied: PublicKey = {
      ...edKey,
      kid: edKey.kid,
      algorithms: edKey.algorithms,
      toJWK: () => edKey.toJWK(),
      toPEM: () => edKey.toPEM(),
      verifySignature: (alg, data, signature, options) => {
        calls.push(options?.offThread)
        return edKey.verifySignature(alg, data, signature, options)
      },
    }
    const { verifier } = setup({ signatureOnThreadpool: true, keys: new RecordingKeyStore({ guido: [spied], rosa: [rsaKey] }), nonces: new MemoryNonceStore() })
    const tokens = Array.from({ length: 20 }, () => edToken())
    expect(await Promise.all(tokens.map((token) => codeOf(verifier.verify(`JWT ${token}`))))).toEqual(Array(20).fill('ok'))
    expect(calls).toEqual(Array(20).fill(true))
    expect(await codeOf(verifier.verify(`JWT ${tokens[3]}`))).toBe('replay')
    const fresh = edToken().split('.')
    const forged = `${fresh[0]}.${fresh[1]}.${tokens[0]!.split('.')[2]}`
    expect(await codeOf(verifier.verify(`JWT ${forged}`))).toBe('invalid_signature')
    expect(await codeOf(verifier.verify(`JWT ${edToken({ username: 'mallory' })}`))).toBe('unknown_user')
    // The backend's answer: a promise from the threadpool on node:crypto (WebCrypto always answers with one).
    const [h, p, s] = tokens[0]!.split('.')
    const data = new Uint8Array(Buffer.from(`${h}.${p}`))
    const signature = new Uint8Array(Buffer.from(s!, 'base64url'))
    const offThread = edKey.verifySignature('EdDSA', data, signature, { offThread: true })
    expect(offThread).toBeInstanceOf(Promise)
    expect(await offThread).toBe(true)
    const onLoop = edKey.verifySignature('EdDSA', data, signature)
    expect(onLoop instanceof Promise).toBe(task.file.projectName !== 'node-crypto')
    expect(await onLoop).toBe(true)
    expect(await edKey.verifySignature('EdDSA', data, new Uint8Array(64), { offThread: true })).toBe(false)
    expect(await edKey.verifySignature('EdDSA', data, new Uint8Array(3), { offThread: true })).toBe(false)
    // RSA stays on the loop (its check costs about what the hand-off does).
    const rsaToken = signToken(headerFor('rsa'), claims({ username: 'rosa' }), 'rsa')
    const [rh, rp, rs] = rsaToken.split('.')
    const rsaAnswer = rsaKey.verifySignature('RS512', new Uint8Array(Buffer.from(`${rh}.${rp}`)), new Uint8Array(Buffer.from(rs!, 'base64url')), { offThread: true })
    expect(rsaAnswer instanceof Promise).toBe(task.file.projectName !== 'node-crypto')
    expect(await rsaAnswer).toBe(true)
    expect(await codeOf(verifier.verify(`JWT ${rsaToken}`))).toBe('ok')
  })
})
