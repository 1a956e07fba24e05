import { createSigner, createVerifier, generateKeyPair, isAjwtError, MemoryKeyStore, MemoryNonceStore, type Auth } from '@ajwt/core'
import { createExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { DurableObjectNonceStore } from './durable-object-nonce-store.ts'
import type { NonceStoreObject } from './nonce-store-object.ts'
import { withAjwt } from './with-ajwt.ts'

const pair = generateKeyPair('ed25519')
const signed = async (username = 'billing') => {
  const authorization = await createSigner({ username, privateKey: (await pair).privateKey }).authorization()
  return new Request('https://api.test/', { headers: { authorization } })
}

describe('withAjwt', () => {
  it('builds options from env once per env object, not per request', async () => {
    const { publicKey } = await pair
    const seen: object[] = []
    const worker = withAjwt(
      (_request, _env, _ctx, auth) => new Response(auth.username),
      (env: { tag: string }) => {
        seen.push(env)
        return { keys: new MemoryKeyStore({ billing: [publicKey] }), nonces: new MemoryNonceStore() }
      },
    )
    const envA = { tag: 'a' }
    const envB = { tag: 'b' }
    const ctx = createExecutionContext()
    for (let i = 0; i < 3; i++) expect((await worker.fetch(await signed(), envA, ctx)).status).toBe(200)
    expect(seen).toEqual([envA])
    expect((await worker.fetch(await signed(), envB, ctx)).status).toBe(200)
    expect(seen).toEqual([envA, envB])
  })

  it('passes the request, env and ctx through, with the verified identity', async () => {
    const { publicKey } = await pair
    const env = { region: 'eu' }
    const ctx = createExecutionContext()
    let got: [Request, typeof env, ExecutionContext, Auth] | undefined
    const worker = withAjwt<typeof env>(
      (...args) => {
        got = args
        return new Response('ok')
      },
      { keys: new MemoryKeyStore({ billing: [publicKey] }), nonces: new MemoryNonceStore() },
    )
    const request = await signed()
    expect((await worker.fetch(request, env, ctx)).status).toBe(200)
    expect(got?.[0]).toBe(request)
    expect(got?.[1]).toBe(env)
    expect(got?.[2]).toBe(ctx)
    expect(got?.[3]).toMatchObject({ username: 'billing', kid: expect.any(String), nonce: expect.any(String) })
  })

  it('never calls the handler for a rejected request (here a replay, with a ready verifier)', async () => {
    const { publicKey } = await pair
    const verifier = createVerifier({ keys: new MemoryKeyStore({ billing: [publicKey] }), nonces: new MemoryNonceStore() })
    let calls = 0
    const worker = withAjwt<object>(() => new Response(String(++calls)), { verifier })
    const request = await signed()
    const replay = request.clone()
    expect(await (await worker.fetch(request, {}, createExecutionContext())).text()).toBe('1')
    expect((await worker.fetch(replay, {}, createExecutionContext())).status).toBe(401)
    expect(calls).toBe(1)
  })

  it('surfaces a failing options function (a missing binding) instead of remembering it', async () => {
    const { publicKey } = await pair
    const worker = withAjwt((_request, _env, _ctx, auth) => new Response(auth.username), (bindings: Partial<Env>) => ({
      keys: new MemoryKeyStore({ billing: [publicKey] }),
      nonces: new DurableObjectNonceStore(bindings.AJWT_NONCES as DurableObjectNamespace<NonceStoreObject>),
    }))
    const deployed: Partial<Env> = {}
    const failure = await worker.fetch(await signed(), deployed, createExecutionContext()).catch((error: unknown) => error)
    expect(isAjwtError(failure) && [failure.code, failure.message]).toEqual([
      'invalid_options',
      'DurableObjectNonceStore needs a Durable Object namespace binding of NonceStoreObject (is it declared in wrangler.jsonc?)',
    ])
    deployed.AJWT_NONCES = env.AJWT_NONCES
    const response = await worker.fetch(await signed(), deployed, createExecutionContext())
    expect(await response.text()).toBe('billing')
  })
})
