import { describe, expect, it } from 'vitest'
import { claims, expectAjwtError, headerFor, NOW, RecordingKeyStore, RecordingNonceStore, signToken, vectors } from '../../test/helpers.ts'
import { importPublicKey } from '../keys/import-public-key.ts'
import { MemoryNonceStore } from '../stores/memory-nonce-store.ts'
import { createVerifier } from '../verifier/create-verifier.ts'
import type { VerifierOptions } from '../verifier/types.ts'
import { createAuthenticator, type AjwtOptions } from './create-authenticator.ts'

const key = await importPublicKey(vectors.keys.ed25519.public_spki_pem)
const good = () => `JWT ${signToken(headerFor('ed25519'), claims(), 'ed25519')}`

function options(extra: { optional?: boolean } = {}): VerifierOptions & { keys: RecordingKeyStore; optional?: boolean } {
  return { keys: new RecordingKeyStore({ guido: [key] }), nonces: new RecordingNonceStore(), now: () => NOW, ...extra }
}

const outcome = async (promise: ReturnType<ReturnType<typeof createAuthenticator>>) => {
  const result = await promise
  return result.ok ? (result.auth ? `auth:${result.auth.username}` : 'pass') : result.error.code
}

describe('createAuthenticator', () => {
  it('required (default): every request needs a valid JWT', async () => {
    const authenticate = createAuthenticator(options())
    expect(await outcome(authenticate(good()))).toBe('auth:guido')
    expect(await outcome(authenticate(undefined))).toBe('missing_token')
    expect(await outcome(authenticate(null))).toBe('missing_token')
    expect(await outcome(authenticate('Bearer abc'))).toBe('invalid_scheme')
  })

  it('optional: requests without a JWT header pass untouched, a present but invalid one is refused', async () => {
    const opts = options({ optional: true })
    const authenticate = createAuthenticator(opts)
    for (const header of [undefined, null, '', 'Bearer abc.def.ghi', 'Basic Z3VpZG86eA==', 'JWTX abc']) {
      expect(await outcome(authenticate(header)), String(header)).toBe('pass')
    }
    expect(opts.keys.calls).toEqual([])
    expect(await outcome(authenticate(good()))).toBe('auth:guido')
    expect(await outcome(authenticate('jwt not-a-token'))).toBe('malformed')
    expect(await outcome(authenticate('JWT'))).toBe('malformed')
    expect(await outcome(authenticate(`JWT ${signToken(headerFor('ed25519'), claims({ username: 'mallory' }), 'ed25519')}`))).toBe('unknown_user')
  })

  it('optional mode follows the verifier’s scheme', async () => {
    const verifier = createVerifier({ ...options(), scheme: 'Ajwt' })
    const authenticate = createAuthenticator({ verifier, optional: true })
    expect(await outcome(authenticate(good()))).toBe('pass')
    expect(await outcome(authenticate(good().replace(/^JWT/, 'ajwt')))).toBe('auth:guido')
  })

  it('takes a ready verifier', async () => {
    const verifier = createVerifier(options())
    expect(await outcome(createAuthenticator({ verifier })(good()))).toBe('auth:guido')
  })

  it('getToken: the token from wherever the app says, the Authorization header ignored', async () => {
    type Req = { headers: Record<string, string | undefined> }
    const token = good().slice('JWT '.length)
    const seen: Req[] = []
    const sync = createAuthenticator<Req>({
      ...options(),
      getToken: (req) => (seen.push(req), req.headers['x-token']),
    })
    const req = { headers: { 'x-token': token } }
    expect(await outcome(sync(undefined, undefined, req))).toBe('auth:guido')
    expect(seen[0]).toBe(req)
    expect(await outcome(sync(good(), undefined, { headers: {} }))).toBe('missing_token')
    expect(await outcome(sync(undefined, undefined, { headers: { 'x-token': '' } }))).toBe('missing_token')
    expect(await outcome(sync(undefined, undefined, { headers: { 'x-token': 'not-a-token' } }))).toBe('malformed')

    const asynchronous = createAuthenticator<Req>({ ...options(), getToken: async (req) => req.headers['x-token'] })
    expect(await outcome(asynchronous(undefined, undefined, { headers: { 'x-token': good().slice(4) } }))).toBe('auth:guido')
    expect(await outcome(asynchronous(undefined, undefined, { headers: {} }))).toBe('missing_token')

    const optional = createAuthenticator<Req>({ ...options({ optional: true }), getToken: (req) => req.headers['x-token'] })
    expect(await outcome(optional(good(), undefined, { headers: {} }))).toBe('pass')
    expect(await outcome(optional(undefined, undefined, { headers: { 'x-token': 'not-a-token' } }))).toBe('malformed')
    expect(await outcome(optional(undefined, undefined, { headers: { 'x-token': good().slice(4) } }))).toBe('auth:guido')
  })

  it('getToken that throws or rejects: a 401 with its reason in onRejected, never a crash', async () => {
    const rejected: [string, string, unknown][] = []
    const context = { id: 7 }
    for (const getToken of [
      () => {
        throw new Error('no cookie jar')
      },
      () => Promise.reject(new Error('no cookie jar')),
    ]) {
      const authenticate = createAuthenticator<typeof context>({
        ...options({ optional: true }),
        getToken,
        onRejected: (error, ctx) => rejected.push([error.code, error.detail, ctx]),
      })
      const result = await authenticate(undefined, undefined, context)
      expect(result.ok).toBe(false)
      if (!result.ok) expect(result.error.status).toBe(401)
    }
    expect(rejected).toEqual([
      ['malformed', 'getToken failed: Error: no cookie jar', context],
      ['malformed', 'getToken failed: Error: no cookie jar', context],
    ])
    await expectAjwtError(() => createAuthenticator({ ...options(), getToken: 'x-token' as never }), 'invalid_options', /getToken/)
  })

  it('onVerified and onRejected receive the context of the call, also through a ready verifier', async () => {
    const calls: [string, unknown][] = []
    const hooks = {
      onVerified: (auth: { username: string }, ctx: unknown) => calls.push([auth.username, ctx]),
      onRejected: (error: { code: string }, ctx: unknown) => calls.push([error.code, ctx]),
    }
    const direct = createAuthenticator({ ...options(), nonces: new MemoryNonceStore(), ...hooks })
    const verifier = createVerifier({ ...options(), nonces: new MemoryNonceStore(), ...hooks })
    for (const authenticate of [direct, createAuthenticator({ verifier })]) {
      calls.length = 0
      const token = good()
      await authenticate(token, undefined, 'first')
      await authenticate(token, undefined, 'second')
      await authenticate(undefined, undefined, 'third')
      expect(calls).toEqual([
        ['guido', 'first'],
        ['replay', 'second'],
        ['missing_token', 'third'],
      ])
    }
  })

  it('refuses missing options with invalid_options', async () => {
    for (const bad of [undefined, null, 'x', {}]) {
      await expectAjwtError(() => createAuthenticator(bad as unknown as AjwtOptions), 'invalid_options', /./)
    }
  })
})
