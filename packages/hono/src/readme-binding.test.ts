import { readFileSync } from 'node:fs'
import type { Server } from 'node:http'
import { createSigner, generateKeyPair, MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
import { listenOnLoopback } from '@ajwt/testing'
import { createAdaptorServer } from '@hono/node-server'
import {
  changing,
  expectCreated,
  expectInvalidToken,
  invoice,
  itMirrorsTheReadme,
  itRefusesTheChangedInvoice,
  oneByteOff,
  type Send,
  serving,
  via,
  warnedCodes,
} from '@ajwt/test-utils/readme'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { ajwt, type AjwtEnv } from './index.ts'

// README.md's "Request binding" section, run as written: the first test checks that every line of
// its snippets (imports aside) is in this file, so the README cannot drift from what runs here.

const { publicKey: billingPublicKeyPem, privateKey } = await generateKeyPair()

function readmeApp() {
  const app = new Hono<AjwtEnv>()
  app.use(
    '/api/*',
    ajwt({
      keys: new MemoryKeyStore({ billing: [billingPublicKeyPem] }),
      nonces: new MemoryNonceStore(),
      origins: ['https://api.example.com'], // the public origin clients call: set it
      binding: 'required', // refuse unbound tokens (default 'if-present')
      onRejected: (error) => console.warn('ajwt rejected a request', error.code),
    }),
  )
  app.post('/api/invoices', async (c) => {
    const invoice = await c.req.json() // the checked body; one that does not match throws, answered 401 (413 if too large)
    return c.json({ created: invoice, by: c.get('auth').username }, 201)
  })
  return app
}

describe('README: Request binding (Hono)', () => {
  itMirrorsTheReadme(readFileSync(new URL('../README.md', import.meta.url), 'utf8'), readFileSync(new URL(import.meta.url), 'utf8'))

  /** The codes onRejected logged through console.warn. */
  const warned = warnedCodes()
  const server = serving(() => listenOnLoopback(createAdaptorServer({ fetch: readmeApp().fetch }) as Server))

  /** The README's client: signer.fetch reaches this server as https://api.example.com. */
  const signer = createSigner({ username: 'billing', privateKey, fetch: via(server) })

  it('accepts a request bound by signer.fetch, its body read by c.req.json() (on @hono/node-server)', async () => {
    const res = await signer.fetch('https://api.example.com/api/invoices', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ total: 7 }),
    })
    await expectCreated(res, warned)
  })

  it("in-process too (app.request), and whatever the app's onError does with the AjwtError", async () => {
    const app = readmeApp()
    app.onError((_error, c) => c.text('oops', 500))
    const inProcess: Send = async (input, init) => app.request(String(input), init)
    const signer = createSigner({ username: 'billing', privateKey, fetch: inProcess })
    const tampering = createSigner({ username: 'billing', privateKey, fetch: changing(inProcess, oneByteOff) })
    expect((await signer.fetch('https://api.example.com/api/invoices', invoice)).status).toBe(201)
    await expectInvalidToken(await tampering.fetch('https://api.example.com/api/invoices', invoice))
  })

  it('answers 413 for a bound body over maxBoundBodyBytes', async () => {
    const app = new Hono<AjwtEnv>()
    app.use(ajwt({ keys: new MemoryKeyStore({ billing: [billingPublicKeyPem] }), nonces: new MemoryNonceStore(), maxBoundBodyBytes: 1024 }))
    app.post('/', async (c) => c.json(await c.req.json()))
    const signer = createSigner({ username: 'billing', privateKey, fetch: async (input, init) => app.request(String(input), init) })
    const res = await signer.fetch('http://localhost/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(2048) }) })
    expect(res.status).toBe(413)
  })

  itRefusesTheChangedInvoice({
    post: (change, init) => createSigner({ username: 'billing', privateKey, fetch: via(server, change) }).fetch('https://api.example.com/api/invoices', init),
    rejected: warned,
    largeBodyReader: 'c.req.json()',
  })
})
