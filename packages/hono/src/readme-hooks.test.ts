import { readFileSync } from 'node:fs'
import { createSigner, generateKeyPair, MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
import { acceptedThenReplayed, expectTokenFromHeader, itMirrorsTheReadme, type SendHeaders } from '@ajwt/test-utils/readme'
import { Hono } from 'hono'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ajwt, type AjwtEnv } from './index.ts'

// README.md's "Logging" and "The token elsewhere: `getToken`" snippets, run as written: every line
// of them must be in this file.

const source = readFileSync(new URL(import.meta.url), 'utf8')
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const { publicKey, privateKey } = await generateKeyPair()
const signer = createSigner({ username: 'billing', privateKey })
const sender =
  (app: Hono<AjwtEnv>, path: string, method = 'GET'): SendHeaders =>
  async (headers) => {
    const res = await app.request(path, { method, headers })
    return { status: res.status, body: res.headers.get('content-type')?.startsWith('application/json') ? ((await res.json()) as unknown) : await res.text() }
  }

afterEach(() => {
  vi.restoreAllMocks()
})

describe('README: Logging (Hono)', () => {
  itMirrorsTheReadme(readme, source, 'mirrors the README’s Logging section', 'Logging')

  it('hands each hook the request’s c', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => undefined)
    const keys = new MemoryKeyStore({ billing: [publicKey] })
    const nonces = new MemoryNonceStore()
    const app = new Hono<AjwtEnv>()
    app.use(
      '/invoices',
      ajwt({
        keys,
        nonces,
        onRejected: (error, c) => console.warn('ajwt rejected a request', c.req.path, error.code, error.detail),
        onVerified: (auth, c) => console.debug('ajwt accepted a request', c.req.path, auth.username),
      }),
    )
    app.get('/invoices', (c) => c.json({ for: c.get('auth').username }))
    await acceptedThenReplayed(signer, sender(app, '/invoices'))
    expect(debug.mock.calls).toEqual([['ajwt accepted a request', '/invoices', 'billing']])
    expect(warn.mock.calls.map((call) => call.slice(0, 3))).toEqual([['ajwt rejected a request', '/invoices', 'replay']])
  })
})

describe('README: The token elsewhere: `getToken` (Hono)', () => {
  itMirrorsTheReadme(readme, source, 'mirrors the README’s getToken section', 'The token elsewhere: `getToken`')

  it('reads the token from the header getToken names, not from Authorization', async () => {
    const keys = new MemoryKeyStore({ billing: [publicKey] })
    const nonces = new MemoryNonceStore()
    const app = new Hono<AjwtEnv>()
    app.use('/hooks/*', ajwt({ keys, nonces, getToken: (c) => c.req.header('x-ajwt-token') }))
    app.post('/hooks/build', (c) => c.json({ for: c.get('auth').username }))
    await expectTokenFromHeader(signer, sender(app, '/hooks/build', 'POST'))
  })
})
