import { createSigner, generateKeyPair } from '@ajwt/core'
import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
const pair = generateKeyPair('ed25519')

async function client(prefix = 'svc') {
  const { privateKey, publicKey } = await pair
  const username = `${prefix}-${unique()}`
  await env.AJWT_KEYS_KV.put(`ajwt:keys:${username}`, JSON.stringify([publicKey]))
  return { username, signer: createSigner({ username, privateKey }) }
}

const call = (path: string, authorization?: string) =>
  exports.default.fetch(new Request(`https://api.test${path}`, { headers: authorization ? { authorization } : {} }))

const INVALID_TOKEN = { error: 'invalid_token', message: 'Invalid JWT credentials' }

describe('withAjwt through the Worker default export', () => {
  it('accepts a signed request and hands the identity to the handler', async () => {
    const { username, signer } = await client()
    const response = await call('/whoami', await signer.authorization())
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ username })
  })

  it('rejects a replayed token with 401, WWW-Authenticate and the generic body', async () => {
    const { signer } = await client()
    const authorization = await signer.authorization()
    expect((await call('/whoami', authorization)).status).toBe(200)
    const replay = await call('/whoami', authorization)
    expect(replay.status).toBe(401)
    expect(replay.headers.get('www-authenticate')).toBe('JWT error="invalid_token"')
    expect(replay.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await replay.json()).toEqual(INVALID_TOKEN)
  })
})

describe('withAjwt rejections', () => {
  it('rejects a token whose claims were altered after signing', async () => {
    const { username, signer } = await client()
    const token = await signer.token()
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>
    const forged = btoa(JSON.stringify({ ...claims, nonce: `${String(claims.nonce)}x` }))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '')
    const response = await call('/whoami', `JWT ${header}.${forged}.${signature}`)
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual(INVALID_TOKEN)
    // The untouched token is still fresh: the forgery did not burn its nonce.
    const genuine = await call('/whoami', `JWT ${token}`)
    expect(await genuine.json()).toEqual({ username })
  })

  it('refuses the replay of a token at the very edge of its time window', async () => {
    const { privateKey, publicKey } = await pair
    const username = `edge-${unique()}`
    await env.AJWT_KEYS_KV.put(`ajwt:keys:${username}`, JSON.stringify([publicKey]))
    const old = createSigner({ username, privateKey, now: () => Date.now() / 1000 - 20 })
    const authorization = await old.authorization()
    const first = await call('/whoami', authorization)
    const replay = await call('/whoami', authorization)
    // The first may land a second too late (401 invalid_time); the replay must never pass.
    expect([200, 401]).toContain(first.status)
    expect(replay.status).toBe(401)
  })

  it('answers a missing header and another scheme with 401 invalid_request', async () => {
    for (const authorization of [undefined, 'Bearer abc.def.ghi']) {
      const response = await call('/whoami', authorization)
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toBe('JWT error="invalid_request"')
      expect(await response.json()).toEqual({ error: 'invalid_request', message: 'JWT authentication required' })
    }
  })

  it('gives an unknown user exactly the same answer as a bad signature', async () => {
    const { privateKey } = await pair
    const stranger = createSigner({ username: `nobody-${unique()}`, privateKey })
    const unknown = await call('/whoami', await stranger.authorization())
    const { username } = await client()
    const other = await generateKeyPair('ed25519')
    const wrongKey = createSigner({ username, privateKey: other.privateKey })
    const badSignature = await call('/whoami', await wrongKey.authorization())
    expect([unknown.status, badSignature.status]).toEqual([401, 401])
    expect(unknown.headers.get('www-authenticate')).toBe(badSignature.headers.get('www-authenticate'))
    expect(await unknown.text()).toBe(await badSignature.text())
  })

  it('fails closed with 503 and Retry-After when the nonce store cannot answer', async () => {
    const { signer } = await client()
    const response = await call('/broken/whoami', await signer.authorization())
    expect(response.status).toBe(503)
    expect(response.headers.get('www-authenticate')).toBe('JWT error="temporarily_unavailable"')
    expect(response.headers.get('retry-after')).toBe('1')
    expect(await response.json()).toEqual({
      error: 'temporarily_unavailable',
      message: 'Authentication is temporarily unavailable',
    })
  })
})

describe('withAjwt in optional mode', () => {
  it('passes requests without a JWT Authorization header through with no auth', async () => {
    for (const authorization of [undefined, 'Bearer abc', 'Basic dXNlcjpwYXNz']) {
      const response = await call('/optional/whoami', authorization)
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ username: null })
    }
  })

  it('still verifies a JWT header: valid ones get auth, invalid and replayed ones 401', async () => {
    const { username, signer } = await client()
    const authorization = await signer.authorization()
    const first = await call('/optional/whoami', authorization)
    expect(await first.json()).toEqual({ username })
    expect((await call('/optional/whoami', authorization)).status).toBe(401)
    expect((await call('/optional/whoami', 'JWT not-a-token')).status).toBe(401)
  })
})
