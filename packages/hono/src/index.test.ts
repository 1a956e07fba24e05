import { readFile } from 'node:fs/promises'
import type { Server } from 'node:http'
import { type AjwtError, type AjwtOptions, createSigner, generateKeyPair, MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
import { describeAdapter, listenOnLoopback } from '@ajwt/testing'
import { createAdaptorServer } from '@hono/node-server'
import { type Context, Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { describe, expect, it } from 'vitest'
import { ajwt, type AjwtEnv, type AjwtOptionalEnv } from './index.ts'

const client = await generateKeyPair('ed25519')

function whoamiApp(options: AjwtOptions) {
  const app = new Hono<AjwtOptionalEnv>()
  app.get('/open', (c) => c.json({ open: true }))
  app.use('/whoami', ajwt(options))
  app.get('/whoami', (c) => c.json({ auth: c.get('auth') ?? null, authorization: c.req.header('authorization') ?? null }))
  app.use('/echo/*', ajwt(options))
  // c.req.text() reads the checked body, or throws the AjwtError that ajwt turns into its answer.
  app.all('/echo/*', async (c) => c.json({ auth: c.get('auth') ?? null, body: await c.req.text() }))
  return app
}

describeAdapter('@ajwt/hono', {
  body: 'json',
  openPath: '/open',
  echo: true,
  headerOf: (c, name) => (c as Context).req.header(name),
  listen: (options) => listenOnLoopback(createAdaptorServer({ fetch: whoamiApp(options).fetch }) as Server),
  inject: (options) => {
    const app = whoamiApp(options)
    return async (path, init) => app.request(path, init)
  },
})

describe('@ajwt/hono setup', () => {
  it('refuses missing options at setup with a clear error, not at the first request', () => {
    // @ts-expect-error options need { keys, nonces } or { verifier }
    expect(() => ajwt({ optional: true })).toThrow(/needs `keys`/)
  })

  it('imports nothing from node: (it must run on Bun, Deno and Workers)', async () => {
    const source = await readFile(new URL('./index.ts', import.meta.url), 'utf8')
    const imports = [...source.matchAll(/^(?:import|export) .* from '([^']+)'$/gm)].map((match) => match[1])
    expect(imports.length).toBeGreaterThan(0)
    for (const specifier of imports) expect(specifier).toMatch(/^(@ajwt\/core|hono(\/[a-z-]+)?)$/)
  })
})

describe('@ajwt/hono mounted twice', () => {
  it('on a path and on a route: one authentication (no replay), and the route reads the checked body', async () => {
    const auth = ajwt({ keys: new MemoryKeyStore({ billing: [client.publicKey] }), nonces: new MemoryNonceStore() })
    const app = new Hono<AjwtEnv>()
    app.use('/api/*', auth)
    app.post('/api/orders', auth, async (c) => c.json({ username: c.get('auth').username, order: await c.req.json() }))
    const signer = createSigner({ username: 'billing', privateKey: client.privateKey })
    const url = 'http://localhost/api/orders'
    const order = JSON.stringify({ sku: 'A-1' })
    const authorization = await signer.authorization({ method: 'POST', url, body: order })
    const send = (body: string) => app.request(url, { method: 'POST', body, headers: { authorization, 'content-type': 'application/json' } })
    const res = await send(order)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ username: 'billing', order: { sku: 'A-1' } })
    expect((await send(order)).status).toBe(401)
  })
})

describe('@ajwt/hono with an onError handler', () => {
  it('hands the AjwtError to onError as the cause of the HTTPException', async () => {
    const logged: string[] = []
    const custom = new Hono<AjwtOptionalEnv>()
    custom.onError((error, c) => {
      if (error instanceof HTTPException) {
        const cause = error.cause as AjwtError
        logged.push(cause.code)
        return error.getResponse()
      }
      return c.text('unexpected', 500)
    })
    custom.use('*', ajwt({ keys: new MemoryKeyStore({}), nonces: new MemoryNonceStore() }))
    custom.get('/', (c) => c.text('never'))
    const signer = createSigner({ username: 'billing', privateKey: client.privateKey })
    const res = await custom.request('/', { headers: { authorization: await signer.authorization() } })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe('JWT error="invalid_token"')
    expect(logged).toEqual(['unknown_user'])
  })
})
