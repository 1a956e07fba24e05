import { createSigner, createVerifier, generateKeyPair, MemoryKeyStore, MemoryNonceStore, type Auth } from '@ajwt/core'
import { createExecutionContext } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
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

  it('accepts a ready verifier, and never calls the handler for a rejected request', async () => {
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

  it('surfaces a failing options function instead of remembering it', async () => {
    const { publicKey } = await pair
    let attempt = 0
    const worker = withAjwt<object>(
      () => new Response('ok'),
      () => {
        if (++attempt === 1) throw new TypeError('AJWT_NONCES binding is missing')
        return { keys: new MemoryKeyStore({ billing: [publicKey] }), nonces: new MemoryNonceStore() }
      },
    )
    const env = {}
    await expect(worker.fetch(await signed(), env, createExecutionContext())).rejects.toThrow(/binding is missing/)
    expect((await worker.fetch(await signed(), env, createExecutionContext())).status).toBe(200)
  })
})
