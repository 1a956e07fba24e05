import { beforeAll, describe, expect, it } from 'vitest'
import type { AjwtError } from '../errors/ajwt-error.ts'
import { isAjwtError } from '../errors/ajwt-error.ts'
import { generateKeyPair, type GeneratedKeyPair } from '../keys/generate-key-pair.ts'
import { createSigner } from '../signer/create-signer.ts'
import { MemoryKeyStore } from '../stores/memory-key-store.ts'
import { MemoryNonceStore } from '../stores/memory-nonce-store.ts'
import type { VerifierOptions } from '../verifier/types.ts'
import { createFetchAuthenticator } from './create-fetch-authenticator.ts'

const ORIGIN = 'https://api.example.com'
let pair: GeneratedKeyPair
beforeAll(async () => {
  pair = await generateKeyPair('ed25519')
})

/** A Worker-style handler: authenticate, then read the body as text; every refusal is its Response. */
function app(options: Partial<VerifierOptions> = {}) {
  const rejected: AjwtError[] = []
  const contexts: unknown[] = []
  const authenticate = createFetchAuthenticator({
    keys: new MemoryKeyStore({ billing: [pair.publicKey] }),
    nonces: new MemoryNonceStore(),
    origins: [ORIGIN],
    onRejected: (error, context) => {
      rejected.push(error)
      contexts.push(context)
    },
    ...options,
  })
  const handle = async (request: Request) => {
    const result = await authenticate(request)
    if (!result.ok) return { status: result.error.status, code: result.error.code }
    try {
      return { status: 200, body: await result.request.text(), user: result.auth?.username }
    } catch (error) {
      if (isAjwtError(error)) return { status: error.status, code: error.code }
      throw error
    }
  }
  const signer = createSigner({ username: 'billing', privateKey: pair.privateKey })
  const bound = (body: string | Uint8Array | undefined, method = 'POST', path = '/v1/x') =>
    signer.authorization({ method, url: ORIGIN + path, body })
  return { handle, bound, signer, rejected, contexts }
}

/** As a server receives it: with Content-Length, as HTTP/1.1 clients send a known-length body. */
const post = (authorization: string, body: BodyInit | null, headers: Record<string, string> = {}) =>
  new Request(`${ORIGIN}/v1/x`, {
    method: 'POST',
    body,
    headers: { authorization, ...(typeof body === 'string' ? { 'content-length': String(new TextEncoder().encode(body).length) } : {}), ...headers },
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit)

describe('createFetchAuthenticator', () => {
  it('never reads the body of a request it has nothing to check: a GET, or any unbound token (@hono/node-server builds the real Request on `.body`)', async () => {
    const { signer } = app()
    const authenticate = createFetchAuthenticator({ keys: new MemoryKeyStore({ billing: [pair.publicKey] }), nonces: new MemoryNonceStore(), origins: [ORIGIN] })
    class Counted extends Request {
      reads = 0
      override get body() {
        this.reads++
        return super.body
      }
    }
    const get = new Counted(`${ORIGIN}/v1/x`, { headers: { authorization: await signer.authorization() } })
    const accepted = await authenticate(get)
    expect(accepted).toMatchObject({ ok: true, auth: { username: 'billing' } })
    expect(accepted.ok && accepted.request).toBe(get)
    expect(get.reads).toBe(0)
    const boundGet = new Counted(`${ORIGIN}/v1/x`, { headers: { authorization: await signer.authorization({ method: 'GET', url: `${ORIGIN}/v1/x` }) } })
    expect(await authenticate(boundGet)).toMatchObject({ ok: true })
    expect(boundGet.reads).toBe(0)
    // A body its headers announce is still looked at: a token that binds none is refused under
    // 'required', and handed on with its body intact under 'if-present'.
    const body = '{"amount":12}'
    const post = async () => new Counted(`${ORIGIN}/v1/x`, { method: 'POST', body, headers: { authorization: await signer.authorization(), 'content-length': String(body.length) } })
    const required = createFetchAuthenticator({ keys: new MemoryKeyStore({ billing: [pair.publicKey] }), nonces: new MemoryNonceStore(), origins: [ORIGIN], binding: 'required' })
    const refused = await required(await post())
    expect(refused.ok ? 'ok' : refused.error.code).toBe('binding_required')
    const handedOn = await authenticate(await post())
    expect(handedOn.ok && (await handedOn.request.text())).toBe(body)
  })

  it('hands on a request whose body is the exact bound body; a body one byte off is refused when read', async () => {
    const { handle, bound, rejected, contexts } = app()
    const body = '{"amount":12}'
    expect(await handle(post(await bound(body), body))).toEqual({ status: 200, body, user: 'billing' })
    const big = 'b'.repeat(100_000)
    const stream = (text: string) => new Response(text).body as ReadableStream<Uint8Array>
    const tampered = post(await bound(big), stream(`${big.slice(1)}c`))
    expect(await handle(tampered)).toEqual({ status: 401, code: 'body_mismatch' })
    // Refused as it was read, after the token was accepted: onRejected still gets the request.
    expect(contexts).toEqual([tampered])
    expect(contexts[0]).toBe(tampered)
    expect((await handle(post(await bound(big), stream(big)))).status).toBe(200)
    expect(rejected.map((error) => error.code)).toEqual(['body_mismatch'])
  })

  it('reads a small body before claiming the nonce: a tampered copy racing ahead does not use the token up', async () => {
    const { handle, bound, rejected } = app()
    const body = '{"pay":100}'
    const authorization = await bound(body)
    expect(await handle(post(authorization, '{"pay":900}'))).toEqual({ status: 401, code: 'body_mismatch' })
    expect(await handle(post(authorization, body))).toEqual({ status: 200, body, user: 'billing' })
    expect(await handle(post(authorization, body))).toEqual({ status: 401, code: 'replay' })
    expect(rejected.map((error) => error.detail)).toEqual([
      expect.stringMatching(/whole before the token was verified/),
      expect.stringMatching(/./),
    ])
  })

  it('leaves an unbound token’s request as it is, and its body unread', async () => {
    const { handle, signer } = app()
    const request = post(await signer.authorization(), 'as is')
    expect(await handle(request)).toEqual({ status: 200, body: 'as is', user: 'billing' })
  })

  it('refuses a bound body over maxBoundBodyBytes with 413, and a body the token says is absent', async () => {
    const { handle, bound } = app({ maxBoundBodyBytes: 1000 })
    const body = 'z'.repeat(1001)
    expect(await handle(post(await bound(body), new Response(body).body))).toEqual({ status: 413, code: 'body_too_large' })
    expect(await handle(post(await bound(undefined), 'surprise'))).toEqual({ status: 401, code: 'body_mismatch' })
  })

  it('authenticates a request once per middleware, seen again as it came or as the request it handed on, frozen or not', async () => {
    const { signer, bound } = app()
    const authenticate = createFetchAuthenticator({ keys: new MemoryKeyStore({ billing: [pair.publicKey] }), nonces: new MemoryNonceStore(), origins: [ORIGIN] })
    const get = new Request(`${ORIGIN}/v1/x`, { headers: { authorization: await signer.authorization() } })
    const first = authenticate(get)
    expect(authenticate(get)).toBe(first)
    expect(await first).toMatchObject({ ok: true, request: get })
    const frozen = Object.freeze(new Request(`${ORIGIN}/v1/x`, { headers: { authorization: await signer.authorization() } }))
    expect(await authenticate(frozen)).toMatchObject({ ok: true })
    expect(await authenticate(frozen)).toMatchObject({ ok: true })
    const body = '{"amount":12}'
    const result = await authenticate(post(await bound(body), body))
    if (!result.ok) throw result.error
    expect(authenticate(result.request)).toBe(authenticate(result.request))
    expect(await authenticate(result.request)).toBe(result)
    expect(await result.request.text()).toBe(body)
    // Another middleware (another verifier, same nonce store or not) authenticates on its own.
    const other = createFetchAuthenticator({ keys: new MemoryKeyStore({ billing: [pair.publicKey] }), nonces: new MemoryNonceStore(), origins: [ORIGIN] })
    expect(await other(get)).toMatchObject({ ok: true })
  })
})
