import { describe, expect, it } from 'vitest'
import { claims, expectAjwtError, headerFor, NOW, RecordingKeyStore, RecordingNonceStore, signToken, vectors } from '../../test/helpers.ts'
import { importPublicKey } from '../keys/import-public-key.ts'
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

  it('refuses missing options with invalid_options', async () => {
    for (const bad of [undefined, null, 'x', {}]) {
      await expectAjwtError(() => createAuthenticator(bad as unknown as AjwtOptions), 'invalid_options', /./)
    }
  })
})
