import { createSigner, generateKeyPair } from '@ajwt/core'
import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { runDemo } from '@ajwt/example-kit/client'

// The example Worker as deployed (its wrangler.jsonc, Durable Object and KV), inside workerd.
// The client's own demo run goes through the Worker's fetch instead of the network.
const send = (input: Request | string | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init))

async function trustedSigner(username: string) {
  const { privateKey, publicKey } = await generateKeyPair('ed25519')
  await env.AJWT_KEYS_KV.put(`ajwt:keys:${username}`, JSON.stringify([publicKey]))
  return createSigner({ username, privateKey, fetch: send })
}

describe('the example Worker', () => {
  it('answers the client demo as the README says: GET and POST accepted, then replay, tampering and no token rejected', async () => {
    const { ok, outcomes } = await runDemo('http://example.test', await trustedSigner('billing'), { fetch: send, onOutcome: () => {} })
    expect(outcomes.map((o) => [o.title, o.status])).toEqual([
      ['1. signed GET (signer.fetch)', 200],
      ['2. signed POST with a JSON body', 201],
      ['3. a token sent once', 200],
      ['4. the same token again (replay)', 401],
      ['5. tampered token (adds role: admin)', 401],
      ['6. no Authorization header', 401],
    ])
    expect(ok).toBe(true)
    expect(JSON.parse(outcomes[0]!.body)).toMatchObject({ user: 'billing' })
    expect(JSON.parse(outcomes[1]!.body)).toEqual({ createdBy: 'billing', invoice: { total: 7 } })
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
