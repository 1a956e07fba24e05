import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { text } from 'node:stream/consumers'
import { createSigner, generateKeyPair, isAjwtError, MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
import { expectCreated, itMirrorsTheReadme, itRefusesTheChangedInvoice, recordedCodes, serving, via } from '@ajwt/test-utils/readme'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { ajwt } from './index.ts'

// README.md's "Request binding" section, run as written: the first test checks that every line of
// its snippets (imports aside) is in this file, so the README cannot drift from what runs here.

const { publicKey: billingPublicKeyPem, privateKey } = await generateKeyPair()
const rejected = recordedCodes()

async function readmeApp() {
  const app = Fastify()
  await app.register(ajwt, {
    keys: new MemoryKeyStore({ billing: [billingPublicKeyPem] }),
    nonces: new MemoryNonceStore(),
    origins: ['https://api.example.com'], // the public origin clients call: set it
    binding: 'required', // refuse unbound tokens (default 'if-present')
    onRejected: (error) => app.log.warn({ code: error.code }, 'ajwt rejected a request'),
  })
  // A body that does not match fails Fastify's body parsing with the AjwtError: answer it as ajwt does.
  app.setErrorHandler((error, request, reply) => {
    if (isAjwtError(error)) return reply.code(error.status).headers(error.headers).send(error.body)
    throw error // everything else: Fastify's default handling
  })
  app.post('/invoices', async (request, reply) => reply.code(201).send({ created: request.body, by: request.auth?.username }))
  return app
}

/** readmeApp, with its warnings recorded. */
async function recordedApp() {
  const app = await readmeApp()
  const warn = app.log.warn.bind(app.log)
  app.log.warn = ((fields: { code: string }, message: string) => {
    rejected.push(fields.code)
    warn(fields, message)
  }) as typeof app.log.warn
  return app
}

describe('README: Request binding (Fastify)', () => {
  itMirrorsTheReadme(readFileSync(new URL('../README.md', import.meta.url), 'utf8'), readFileSync(new URL(import.meta.url), 'utf8'))

  const server = serving(async () => {
    const app = await recordedApp()
    return { url: await app.listen({ port: 0, host: '127.0.0.1' }), close: () => app.close() }
  })

  /** The README's client: signer.fetch reaches this server as https://api.example.com. */
  const signer = createSigner({ username: 'billing', privateKey, fetch: via(server) })

  it("accepts a request bound by signer.fetch, with its body parsed by Fastify's JSON parser", async () => {
    const res = await signer.fetch('https://api.example.com/invoices', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ total: 7 }),
    })
    await expectCreated(res, rejected)
  })

  it('works the same through fastify.inject', async () => {
    const injected = await readmeApp()
    const signer = createSigner({ username: 'billing', privateKey })
    const body = JSON.stringify({ total: 7 })
    const send = async (payload: string) =>
      injected.inject({
        method: 'POST',
        url: '/invoices',
        headers: {
          authorization: await signer.authorization({ method: 'POST', url: 'https://api.example.com/invoices', body }),
          'content-type': 'application/json',
        },
        payload,
      })
    const accepted = await send(body)
    expect(accepted.statusCode).toBe(201)
    expect(accepted.json()).toEqual({ created: { total: 7 }, by: 'billing' })
    const changed = await send(body.replace('7', '9'))
    expect(changed.statusCode).toBe(401)
    expect(changed.json()).toEqual({ error: 'invalid_token', message: 'Invalid JWT credentials' })
    await injected.close()
  })

  it("without an error handler, Fastify's default answers a body refused while parsing 401/413 with WWW-Authenticate, in its own JSON shape", async () => {
    const plain = Fastify()
    await plain.register(ajwt, { keys: new MemoryKeyStore({ billing: [billingPublicKeyPem] }), nonces: new MemoryNonceStore(), maxBoundBodyBytes: 1024 })
    // Runs once the token is verified and before the body is parsed. A chunked body (as a large one)
    // is checked as it streams, after the token: the test sends it only then, so that the check
    // happens in Fastify's parser. (A small body with a Content-Length is checked by the hook.)
    let verified = () => {}
    plain.addHook('preParsing', async () => verified())
    plain.post('/', async (request) => ({ got: request.body }))
    const url = await plain.listen({ port: 0, host: '127.0.0.1' })
    const signer = createSigner({ username: 'billing', privateKey })
    try {
      const send = async (signed: string, body: string) => {
        const authorization = await signer.authorization({ method: 'POST', url: 'http://localhost/', body: signed })
        const socket = connect(Number(new URL(url).port), '127.0.0.1')
        const reply = text(socket)
        const parsing = new Promise<void>((resolve) => {
          verified = resolve
        })
        const head = `POST / HTTP/1.1\r\nhost: localhost\r\nauthorization: ${authorization}\r\ncontent-type: application/json`
        socket.write(`${head}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n`)
        await parsing
        socket.write(`${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`)
        const raw = await reply
        const split = raw.indexOf('\r\n\r\n')
        return { head: raw.slice(0, split).toLowerCase(), body: raw.slice(split + 4) }
      }
      const changed = await send('{"total":7}', '{"total":9}')
      expect(changed.head).toMatch(/^http\/1\.1 401 /)
      expect(changed.head).toContain('www-authenticate: jwt error="invalid_token"')
      expect(JSON.parse(changed.body)).toEqual({ statusCode: 401, code: 'body_mismatch', error: 'Unauthorized', message: 'Unauthorized' })
      const big = JSON.stringify({ pad: 'x'.repeat(2048) })
      const large = await send(big, big)
      expect(large.head).toMatch(/^http\/1\.1 413 /)
      expect(JSON.parse(large.body)).toMatchObject({ statusCode: 413, code: 'body_too_large' })
    } finally {
      await plain.close()
    }
  })

  itRefusesTheChangedInvoice({
    post: (change, init) => createSigner({ username: 'billing', privateKey, fetch: via(server, change) }).fetch('https://api.example.com/invoices', init),
    rejected,
  })
})
