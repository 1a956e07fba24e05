import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { createSigner, generateKeyPair, MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
import { listenOnLoopback } from '@ajwt/testing'
import { changing, expectCreated, itMirrorsTheReadme, itRefusesTheChangedInvoice, oneByteOff, recordedCodes, serving, via } from '@ajwt/test-utils/readme'
import { bodyParser } from '@koa/bodyparser'
import Koa from 'koa'
import { describe, expect, it } from 'vitest'
import { ajwt, ajwtErrorHandler } from './index.ts'

// README.md's "Request binding" section, run as written: the first test checks that every line of
// its snippets (imports aside) is in this file, so the README cannot drift from what runs here.

const { publicKey: billingPublicKeyPem, privateKey } = await generateKeyPair()
const rejected = recordedCodes()
const logger = { warn: (fields: { code: string }, _message: string) => void rejected.push(fields.code) }

function readmeApp() {
  const app = new Koa()
    .use(ajwtErrorHandler()) // rejections as JSON, a body that does not match included
    .use(
      ajwt({
        keys: new MemoryKeyStore({ billing: [billingPublicKeyPem] }),
        nonces: new MemoryNonceStore(),
        origins: ['https://api.example.com'], // the public origin clients call: set it
        binding: 'required', // refuse unbound tokens (default 'if-present')
        onRejected: (error) => logger.warn({ code: error.code }, 'ajwt rejected a request'),
      }),
    )
    .use(bodyParser()) // AFTER ajwt: it parses the body ajwt checked (401 if it does not match, 413 over maxBoundBodyBytes)
    .use((ctx) => {
      ctx.status = 201
      ctx.body = { created: ctx.request.body, by: ctx.state.auth.username }
    })
  return app
}

describe('README: Request binding (Koa)', () => {
  itMirrorsTheReadme(readFileSync(new URL('../README.md', import.meta.url), 'utf8'), readFileSync(new URL(import.meta.url), 'utf8'))

  const server = serving(() => listenOnLoopback(createServer(readmeApp().callback())))

  /** The README's client: signer.fetch reaches this server as https://api.example.com. */
  const signer = createSigner({ username: 'billing', privateKey, fetch: via(server) })

  it('accepts a request bound by signer.fetch, with its body parsed by @koa/bodyparser', async () => {
    const res = await signer.fetch('https://api.example.com/invoices', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ total: 7 }),
    })
    await expectCreated(res, rejected)
  })

  it("with Koa's default error handling: 401 for a changed body, 413 over maxBoundBodyBytes", async () => {
    const app = new Koa()
    app.silent = true
    app.use(ajwt({ keys: new MemoryKeyStore({ billing: [billingPublicKeyPem] }), nonces: new MemoryNonceStore(), maxBoundBodyBytes: 1024 }))
    app.use(bodyParser())
    app.use((ctx) => {
      ctx.body = { got: ctx.request.body }
    })
    const plain = await listenOnLoopback(createServer(app.callback()))
    try {
      const signer = createSigner({ username: 'billing', privateKey, fetch: changing(fetch, oneByteOff) })
      const changed = await signer.fetch(`${plain.url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"total":7}' })
      expect(changed.status).toBe(401)
      expect(changed.headers.get('www-authenticate')).toBe('JWT error="invalid_token"')
      const big = await createSigner({ username: 'billing', privateKey }).fetch(`${plain.url}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pad: 'x'.repeat(2048) }),
      })
      expect(big.status).toBe(413)
    } finally {
      await plain.close()
    }
  })

  itRefusesTheChangedInvoice({
    post: (change, init) => createSigner({ username: 'billing', privateKey, fetch: via(server, change) }).fetch('https://api.example.com/invoices', init),
    rejected,
    largeBodyReader: '@koa/bodyparser',
    direct: { url: () => `${server.url}/invoices`, signer: createSigner({ username: 'billing', privateKey }) },
  })
})
