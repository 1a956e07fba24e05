import { readFileSync } from 'node:fs'
import { createSigner, generateKeyPair, MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
import { acceptedThenReplayed, expectTokenFromHeader, itMirrorsTheReadme, recordingLogger, type SendHeaders } from '@ajwt/test-utils/readme'
import express from 'express'
import request from 'supertest'
import { describe, expect, it } from 'vitest'
import { ajwt } from './index.ts'

// README.md's "Logging" and "The token elsewhere: `getToken`" snippets, run as written: every line
// of them must be in this file.

const source = readFileSync(new URL(import.meta.url), 'utf8')
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const { publicKey, privateKey } = await generateKeyPair()
const signer = createSigner({ username: 'billing', privateKey })
const sender =
  (app: express.Express): SendHeaders =>
  async (headers) => {
    const res = await request(app).get('/invoices').set(headers)
    return { status: res.status, body: res.body as unknown }
  }

describe('README: Logging (Express)', () => {
  itMirrorsTheReadme(readme, source, 'mirrors the README’s Logging section', 'Logging')

  it('hands each hook the request it is about', async () => {
    const { logged, logger } = recordingLogger()
    const keys = new MemoryKeyStore({ billing: [publicKey] })
    const nonces = new MemoryNonceStore()
    const app = express()
    app.use(
      ajwt({
        keys,
        nonces,
        onRejected: (error, req) => logger.warn({ code: error.code, detail: error.detail, path: req.path }, 'ajwt rejected a request'),
        onVerified: (auth, req) => logger.debug({ user: auth.username, kid: auth.kid, path: req.path }, 'ajwt accepted a request'),
      }),
    )
    app.get('/invoices', (req, res) => res.json({ for: req.auth?.username }))
    await acceptedThenReplayed(signer, sender(app))
    expect(logged).toEqual(['ajwt accepted a request: billing /invoices', 'ajwt rejected a request: replay /invoices'])
  })
})

describe('README: The token elsewhere: `getToken` (Express)', () => {
  itMirrorsTheReadme(readme, source, 'mirrors the README’s getToken section', 'The token elsewhere: `getToken`')

  it('reads the token from the header getToken names, not from Authorization', async () => {
    const keys = new MemoryKeyStore({ billing: [publicKey] })
    const nonces = new MemoryNonceStore()
    const app = express()
    app.use(ajwt({ keys, nonces, getToken: (req) => req.get('x-ajwt-token') }))
    app.get('/invoices', (req, res) => res.json({ for: req.auth?.username }))
    await expectTokenFromHeader(signer, sender(app))
  })
})
