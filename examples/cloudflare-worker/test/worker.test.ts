import { createSigner, generateKeyPair } from '@ajwt/core'
import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { runClient } from '../src/demo.ts'

// The example Worker as deployed (its wrangler.jsonc, Durable Object and KV), inside workerd.
// The client's own demo run goes through the Worker's fetch instead of the network.
const send = (input: Request | string | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init))

async function trustedSigner(username: string) {
  const { privateKey, publicKey } = await generateKeyPair('ed25519')
  await env.AJWT_KEYS_KV.put(`ajwt:keys:${username}`, JSON.stringify([publicKey]))
  return createSigner({ username, privateKey, fetch: send })
}

describe('the example Worker', () => {
  it('answers the client demo as the README says: accepted, then replay, tampering and no token rejected', async () => {
    const outcomes = await runClient('http://example.test', await trustedSigner('billing'), send)
    expect(outcomes.map((o) => [o.name, o.status])).toEqual([
      ['accepted: signer.fetch', 200],
      ['accepted: a fresh token', 200],
      ['rejected: the same token again (replay)', 401],
      ['rejected: tampered token', 401],
      ['rejected: no Authorization header', 401],
    ])
    expect(JSON.parse(outcomes[0]!.body)).toMatchObject({ user: 'billing' })
  })

  it('trusts the keys of the AJWT_KEYS variable too', async () => {
    const response = await createSigner({ username: 'demo', privateKey: env.TEST_DEMO_PRIVATE_KEY, fetch: send }).fetch(
      'http://example.test/api/invoices',
    )
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ user: 'demo' })
  })

  it('refuses a user it has no key for, and answers 404 only after authentication', async () => {
    const { privateKey } = await generateKeyPair('ed25519')
    const stranger = createSigner({ username: 'stranger', privateKey, fetch: send })
    expect((await stranger.fetch('http://example.test/api/invoices')).status).toBe(401)
    const billing = await trustedSigner('reports')
    expect((await billing.fetch('http://example.test/nope')).status).toBe(404)
  })
})
