import { readFileSync } from 'node:fs'
import { createSigner, generateKeyPair, isAjwtError, MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
import { acceptedThenReplayed, expectTokenFromHeader, itMirrorsTheReadme, type SendHeaders } from '@ajwt/test-utils/readme'
import Fastify, { type FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { ajwt } from './index.ts'

// README.md's "Logging", "The token elsewhere: `getToken`" and "Rejections through your error
// handler" snippets, run as written: every line of them must be in this file.

const source = readFileSync(new URL(import.meta.url), 'utf8')
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const { publicKey, privateKey } = await generateKeyPair()
const signer = createSigner({ username: 'billing', privateKey })
const sender =
  (app: FastifyInstance): SendHeaders =>
  async (headers) => {
    const res = await app.inject({ url: '/invoices', headers })
    return { status: res.statusCode, body: res.json() as unknown }
  }

describe('README: Logging (Fastify)', () => {
  itMirrorsTheReadme(readme, source, 'mirrors the README’s Logging section', 'Logging')

  it('logs through request.log, with the request id', async () => {
    const lines: { msg: string; reqId: string; code?: string; user?: string }[] = []
    const app = Fastify({ logger: { level: 'debug', stream: { write: (line: string) => void lines.push(JSON.parse(line)) } } })
    const keys = new MemoryKeyStore({ billing: [publicKey] })
    const nonces = new MemoryNonceStore()
    await app.register(ajwt, {
      keys,
      nonces,
      onRejected: (error, request) => request.log.warn({ code: error.code, detail: error.detail }, 'ajwt rejected a request'),
      onVerified: (auth, request) => request.log.debug({ user: auth.username, kid: auth.kid }, 'ajwt accepted a request'),
    })
    app.get('/invoices', async (request) => ({ for: request.auth?.username }))
    await acceptedThenReplayed(signer, sender(app))
    const ours = lines.filter((line) => line.msg.startsWith('ajwt'))
    expect(ours.map(({ msg, reqId, code, user }) => [msg, reqId, code ?? user])).toEqual([
      ['ajwt accepted a request', 'req-1', 'billing'],
      ['ajwt rejected a request', 'req-2', 'replay'],
    ])
    await app.close()
  })
})

describe('README: The token elsewhere: `getToken` (Fastify)', () => {
  itMirrorsTheReadme(readme, source, 'mirrors the README’s getToken section', 'The token elsewhere: `getToken`')

  it('reads the token from the header getToken names, not from Authorization', async () => {
    const app = Fastify()
    const keys = new MemoryKeyStore({ billing: [publicKey] })
    const nonces = new MemoryNonceStore()
    await app.register(ajwt, { keys, nonces, getToken: (request) => request.headers['x-ajwt-token']?.toString() })
    app.get('/invoices', async (request) => ({ for: request.auth?.username }))
    await expectTokenFromHeader(signer, sender(app))
    await app.close()
  })
})

describe('README: Rejections through your error handler (Fastify)', () => {
  itMirrorsTheReadme(readme, source, 'mirrors the README’s error handler section', 'Rejections through your error handler')

  it('sends rejections to setErrorHandler, in the app’s own shape', async () => {
    const app = Fastify()
    const keys = new MemoryKeyStore({ billing: [publicKey] })
    const nonces = new MemoryNonceStore()
    await app.register(ajwt, { keys, nonces, useErrorHandler: true })
    app.setErrorHandler((error, request, reply) => {
      if (isAjwtError(error)) return reply.code(error.statusCode).headers(error.headers).send({ problem: 'unauthenticated', status: error.statusCode })
      throw error
    })
    app.get('/invoices', async (request) => ({ for: request.auth?.username }))
    const res = await app.inject({ url: '/invoices', headers: { authorization: 'JWT not-a-token' } })
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toBe('JWT error="invalid_token"')
    expect(res.json()).toEqual({ problem: 'unauthenticated', status: 401 })
    expect((await app.inject({ url: '/invoices', headers: { authorization: await signer.authorization() } })).json()).toEqual({ for: 'billing' })
    await app.close()
  })
})
