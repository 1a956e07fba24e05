import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { createSigner, generateKeyPair, MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
import { listenOnLoopback } from '@ajwt/testing'
import { expectCreated, itMirrorsTheReadme, itRefusesTheChangedInvoice, recordedCodes, serving, via } from '@ajwt/test-utils/readme'
import express from 'express'
import { describe, expect, it } from 'vitest'
import { ajwt, ajwtErrorHandler } from './index.ts'

// README.md's "Request binding" section, run as written: the first test checks that every line of
// its snippets (imports aside) is in this file, so the README cannot drift from what runs here.

/** This test's source: it holds every line of the READMEs' snippets. */
const source = readFileSync(new URL(import.meta.url), 'utf8')
const { publicKey: billingPublicKeyPem, privateKey } = await generateKeyPair()
const rejected = recordedCodes()
const logger = { warn: (fields: { code: string }, _message: string) => void rejected.push(fields.code) }

function readmeApp() {
  const app = express()
  app.use(
    '/api',
    ajwt({
      keys: new MemoryKeyStore({ billing: [billingPublicKeyPem] }),
      nonces: new MemoryNonceStore(),
      origins: ['https://api.example.com'], // the public origin clients call: set it
      binding: 'required', // refuse unbound tokens (default 'if-present')
      onRejected: (error) => logger.warn({ code: error.code }, 'ajwt rejected a request'),
    }),
  )
  app.use(express.json()) // AFTER ajwt: it parses the body ajwt checked
  app.post('/api/invoices', (req, res) => res.status(201).json({ created: req.body, by: req.auth?.username }))
  app.use(ajwtErrorHandler()) // a body that does not match: 401 (413 over maxBoundBodyBytes)
  return app
}

// The root README.md's "Request binding" snippet: binding required client by client.
const keys = new MemoryKeyStore({ billing: [billingPublicKeyPem], legacy: [billingPublicKeyPem] })
const nonces = new MemoryNonceStore()

function perClientApp() {
  const app = express()
  // Express, as above; every adapter takes the same options
  const upgraded = new Set(['billing']) // clients that now sign with signer.fetch
  app.use(
    '/api',
    ajwt({
      keys,
      nonces,
      origins: ['https://api.example.com'],
      binding: (username) => (upgraded.has(username) ? 'required' : 'if-present'),
    }),
  )
  app.get('/api/invoices', (req, res) => res.json({ for: req.auth?.username }))
  app.use(ajwtErrorHandler())
  return app
}

describe('README: Request binding (Express)', () => {
  itMirrorsTheReadme(readFileSync(new URL('../README.md', import.meta.url), 'utf8'), source)

  const server = serving(() => listenOnLoopback(createServer(readmeApp())))

  /** The README's client: signer.fetch reaches this server as https://api.example.com. */
  const signer = createSigner({ username: 'billing', privateKey, fetch: via(server) })

  it('accepts a request bound by signer.fetch, with its body parsed by express.json()', async () => {
    const res = await signer.fetch('https://api.example.com/api/invoices', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ total: 7 }),
    })
    await expectCreated(res, rejected)
  })

  it('answers 413 for a bound body over maxBoundBodyBytes, through the same error handler', async () => {
    const app = express()
    app.use(ajwt({ keys: new MemoryKeyStore({ billing: [billingPublicKeyPem] }), nonces: new MemoryNonceStore(), maxBoundBodyBytes: 1024 }))
    app.use(express.json())
    app.post('/', (req, res) => res.json(req.body))
    app.use(ajwtErrorHandler())
    const small = await listenOnLoopback(createServer(app))
    try {
      const signer = createSigner({ username: 'billing', privateKey })
      const res = await signer.fetch(`${small.url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(2048) }) })
      expect(res.status).toBe(413)
      expect(await res.json()).toMatchObject({ error: 'invalid_request' })
    } finally {
      await small.close()
    }
  })

  it('refuses a bound body that a parser read before ajwt ran, rather than trusting it', async () => {
    const app = express()
    app.use(express.json()) // the wrong order
    app.use(ajwt({ keys: new MemoryKeyStore({ billing: [billingPublicKeyPem] }), nonces: new MemoryNonceStore() }))
    app.post('/', (req, res) => res.json(req.body))
    app.use(ajwtErrorHandler())
    const wrong = await listenOnLoopback(createServer(app))
    try {
      const signer = createSigner({ username: 'billing', privateKey })
      const res = await signer.fetch(`${wrong.url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"total":7}' })
      expect(res.status).toBe(401)
    } finally {
      await wrong.close()
    }
  })

  itRefusesTheChangedInvoice({
    post: (change, init) => createSigner({ username: 'billing', privateKey, fetch: via(server, change) }).fetch('https://api.example.com/api/invoices', init),
    rejected,
    largeBodyReader: 'express.json()',
    direct: { url: () => `${server.url}/api/invoices`, signer: createSigner({ username: 'billing', privateKey }) },
  })
})

describe('root README: Request binding, required client by client (Express)', () => {
  const server = serving(() => listenOnLoopback(createServer(perClientApp())))

  const rootReadme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
  itMirrorsTheReadme(rootReadme, source, 'mirrors the root README: every line of its snippet is in this test')

  it('requires binding of the upgraded client only', async () => {
    const status = async (username: string, bound: boolean) => {
      const signer = createSigner({ username, privateKey, fetch: via(server) })
      if (bound) return (await signer.fetch('https://api.example.com/api/invoices')).status
      return (await fetch(`${server.url}/api/invoices`, { headers: { authorization: await signer.authorization() } })).status
    }
    expect(await status('billing', true)).toBe(200)
    expect(await status('billing', false)).toBe(401)
    expect(await status('legacy', false)).toBe(200)
    expect(await status('legacy', true)).toBe(200)
  })
})
