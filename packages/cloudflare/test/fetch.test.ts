import { createSigner, generateKeyPair } from '@ajwt/core'
import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'

// What describeAdapter (test/describe-adapter.test.ts) cannot cover: the Worker's default export
// with its real bindings, a KV key store and the Durable Object nonce store.

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
const pair = generateKeyPair('ed25519')

async function client(prefix: string, now?: () => number) {
  const { privateKey, publicKey } = await pair
  const username = `${prefix}-${unique()}`
  await env.AJWT_KEYS_KV.put(`ajwt:keys:${username}`, JSON.stringify([publicKey]))
  return { username, signer: createSigner({ username, privateKey, now }) }
}

const call = (path: string, authorization: string) =>
  exports.default.fetch(new Request(`https://api.test${path}`, { headers: { authorization } }))

describe('withAjwt with KvKeyStore and DurableObjectNonceStore, through the Worker default export', () => {
  it('accepts a signed request with the identity, then refuses its replay', async () => {
    const { username, signer } = await client('svc')
    const authorization = await signer.authorization()
    const first = await call('/whoami', authorization)
    expect(first.status).toBe(200)
    expect(await first.json()).toMatchObject({ auth: { username }, authorization })
    const replay = await call('/whoami', authorization)
    expect(replay.status).toBe(401)
    expect(replay.headers.get('www-authenticate')).toBe('JWT error="invalid_token"')
    expect(await replay.json()).toEqual({ error: 'invalid_token', message: 'Invalid JWT credentials' })
  })

  it('refuses the replay of a token at the very edge of its time window', async () => {
    const { signer } = await client('edge', () => Date.now() / 1000 - 20)
    const authorization = await signer.authorization()
    const first = await call('/whoami', authorization)
    const replay = await call('/whoami', authorization)
    // The first may land a second too late (401 invalid_time); the replay must never pass.
    expect([200, 401]).toContain(first.status)
    expect(replay.status).toBe(401)
  })

  it('fails closed with 503 and Retry-After when the nonce Durable Object cannot answer', async () => {
    const { signer } = await client('svc')
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
