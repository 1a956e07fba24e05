import { readFileSync } from 'node:fs'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { text } from 'node:stream/consumers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// Not @ajwt/test-utils/readme: @ajwt/test-utils depends on @ajwt/core, and a dependency back would be a cycle.
import { changing, expectInvalidToken, invoice, itMirrorsTheReadme, oneByteOff, type Send, via } from '../../../tools/test-utils/src/readme.ts'
import {
  type AjwtError,
  createFetchAuthenticator,
  createNodeAuthenticator,
  createSigner,
  createVerifier,
  generateKeyPair,
  isAjwtError,
  MemoryKeyStore,
  MemoryNonceStore,
} from './index.ts'

// README.md's "Request binding" section, run as written: the first test checks that every line of
// its snippets (imports aside) is in this file, so the README cannot drift from what runs here.

const { publicKey, privateKey } = await generateKeyPair()
const keys = new MemoryKeyStore({ billing: [publicKey], legacy: [publicKey] })
const nonces = new MemoryNonceStore()

// ---- the README's node:http server ------------------------------------------------------------
const authenticate = createNodeAuthenticator({ keys, nonces, binding: 'required', origins: ['https://api.example.com'] })

const refuse = (res: ServerResponse, error: AjwtError) =>
  res.writeHead(error.status, { ...error.headers, 'content-type': 'application/json' }).end(JSON.stringify(error.body))

const server = createServer(async (req, res) => {
  const result = await authenticate(req) // before anything reads req
  if (!result.ok) return refuse(res, result.error)
  try {
    const invoice = JSON.parse(await text(req)) // the checked body, or the AjwtError
    res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ created: invoice, by: result.auth?.username }))
  } catch (error) {
    if (isAjwtError(error)) refuse(res, error) // body_mismatch 401, body_too_large 413
    else res.writeHead(400).end()
  }
})

// ---- the README's fetch-style handler ---------------------------------------------------------
const authenticateRequest = createFetchAuthenticator({ keys, nonces, binding: 'required', origins: ['https://api.example.com'] })

// Deno.serve(handle), Bun.serve({ fetch: handle }), export default { fetch: handle }
const handle = async (request: Request): Promise<Response> => {
  const result = await authenticateRequest(request)
  if (!result.ok) return result.error.toResponse()
  try {
    const invoice = await result.request.json() // the checked body, or the AjwtError
    return Response.json({ created: invoice, by: result.auth?.username }, { status: 201 })
  } catch (error) {
    if (isAjwtError(error)) return error.toResponse() // body_mismatch 401, body_too_large 413
    throw error
  }
}

describe('README: Request binding (core)', () => {
  let origin: string
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  itMirrorsTheReadme(readFileSync(new URL('../README.md', import.meta.url), 'utf8'), readFileSync(new URL(import.meta.url), 'utf8'))

  it('node:http with createNodeAuthenticator: a bound request is accepted, its body changed by one byte is 401', async () => {
    const accepted = await createSigner({ username: 'billing', privateKey, fetch: via(origin) }).fetch('https://api.example.com/invoices', invoice)
    expect(accepted.status).toBe(201)
    expect(await accepted.json()).toEqual({ created: { total: 7 }, by: 'billing' })
    const changed = await createSigner({ username: 'billing', privateKey, fetch: via(origin, oneByteOff) }).fetch('https://api.example.com/invoices', invoice)
    await expectInvalidToken(changed)
  })

  it('a fetch-style handler with createFetchAuthenticator: a bound request is accepted, its body changed by one byte is 401', async () => {
    const direct: Send = async (input, init) => handle(new Request(input, init))
    const accepted = await createSigner({ username: 'billing', privateKey, fetch: direct }).fetch('https://api.example.com/invoices', invoice)
    expect(accepted.status).toBe(201)
    expect(await accepted.json()).toEqual({ created: { total: 7 }, by: 'billing' })
    const changed = await createSigner({ username: 'billing', privateKey, fetch: changing(direct, oneByteOff) }).fetch('https://api.example.com/invoices', invoice)
    await expectInvalidToken(changed)
  })

  it('binding as a function of the username: required for upgraded clients, if-present for the others', async () => {
    // ---- the README's per-client policy ----
    const upgraded = new Set(['billing']) // clients that now sign with signer.fetch
    const verifier = createVerifier({
      keys,
      nonces,
      origins: ['https://api.example.com'],
      binding: (username) => (upgraded.has(username) ? 'required' : 'if-present'),
    })
    const request = { method: 'GET', url: 'https://api.example.com/invoices', hasBody: false }
    const billing = createSigner({ username: 'billing', privateKey })
    const legacy = createSigner({ username: 'legacy', privateKey })
    const codeOf = async (authorization: string) => {
      const result = await verifier.verify(authorization, request)
      return result.ok ? 'ok' : result.error.code
    }
    expect(await codeOf(await billing.authorization())).toBe('binding_required')
    expect(await codeOf(await billing.authorization(request))).toBe('ok')
    expect(await codeOf(await legacy.authorization())).toBe('ok')
    expect(await codeOf(await legacy.authorization({ ...request, method: 'DELETE' }))).toBe('method_mismatch')
  })
})
