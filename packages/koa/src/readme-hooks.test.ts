import { readFileSync } from 'node:fs'
import { createSigner, generateKeyPair, MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
import { acceptedThenReplayed, expectTokenFromHeader, itMirrorsTheReadme, recordingLogger, type SendHeaders } from '@ajwt/test-utils/readme'
import Koa from 'koa'
import request from 'supertest'
import { describe, expect, it } from 'vitest'
import { type AjwtOptionalState, ajwt } from './index.ts'

// README.md's "Logging" and "The token elsewhere: `getToken`" snippets, run as written: every line
// of them must be in this file.

const source = readFileSync(new URL(import.meta.url), 'utf8')
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const { publicKey, privateKey } = await generateKeyPair()
const signer = createSigner({ username: 'billing', privateKey })

function appWith(use: (app: Koa<AjwtOptionalState>) => void) {
  const app = new Koa<AjwtOptionalState>()
  app.silent = true
  use(app)
  app.use((ctx) => {
    ctx.body = { for: ctx.state.auth?.username }
  })
  return app.callback()
}

const sender =
  (callback: ReturnType<typeof appWith>): SendHeaders =>
  async (headers) => {
    const res = await request(callback).get('/invoices').set(headers)
    return { status: res.status, body: res.body as unknown }
  }

describe('README: Logging (Koa)', () => {
  itMirrorsTheReadme(readme, source, 'mirrors the README’s Logging section', 'Logging')

  it('hands each hook the request’s ctx', async () => {
    const { logged, logger } = recordingLogger()
    const keys = new MemoryKeyStore({ billing: [publicKey] })
    const nonces = new MemoryNonceStore()
    const callback = appWith((app) => {
      app.use(
        ajwt({
          keys,
          nonces,
          onRejected: (error, ctx) => logger.warn({ code: error.code, detail: error.detail, path: ctx.path }, 'ajwt rejected a request'),
          onVerified: (auth, ctx) => logger.debug({ user: auth.username, kid: auth.kid, path: ctx.path }, 'ajwt accepted a request'),
        }),
      )
    })
    await acceptedThenReplayed(signer, sender(callback))
    expect(logged).toEqual(['ajwt accepted a request: billing /invoices', 'ajwt rejected a request: replay /invoices'])
  })
})

describe('README: The token elsewhere: `getToken` (Koa)', () => {
  itMirrorsTheReadme(readme, source, 'mirrors the README’s getToken section', 'The token elsewhere: `getToken`')

  it('reads the token from the header getToken names, not from Authorization', async () => {
    const keys = new MemoryKeyStore({ billing: [publicKey] })
    const nonces = new MemoryNonceStore()
    const callback = appWith((app) => {
      app.use(ajwt({ keys, nonces, getToken: (ctx) => ctx.get('x-ajwt-token') || undefined }))
    })
    await expectTokenFromHeader(signer, sender(callback))
  })
})
