import { createSigner } from '@ajwt/core'
import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import vectors from '../../core/test/fixtures/wire-vectors.json' with { type: 'json' }

const signer = createSigner({ username: 'vector-ed25519', privateKey: vectors.keys.ed25519.private_pkcs8_pem })
const call = (authorization?: string) =>
  exports.default.fetch(new Request('https://api.test/hono/api/whoami', { headers: authorization ? { authorization } : {} }))

describe('@ajwt/hono on Workers with DurableObjectNonceStore and EnvKeyStore', () => {
  it('accepts a signed request, then refuses its replay', async () => {
    const authorization = await signer.authorization()
    const first = await call(authorization)
    expect(first.status).toBe(200)
    expect(await first.json()).toEqual({ username: 'vector-ed25519' })
    const replay = await call(authorization)
    expect(replay.status).toBe(401)
    expect(replay.headers.get('www-authenticate')).toBe('JWT error="invalid_token"')
  })

  it('refuses a request without a token', async () => {
    const response = await call()
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({ error: 'invalid_request', message: 'JWT authentication required' })
  })
})
