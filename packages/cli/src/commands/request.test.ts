import type { AddressInfo } from 'node:net'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { readFile, writeFile } from 'node:fs/promises'
import { checkBodyChunks, createVerifier, isAjwtError, MemoryKeyStore, MemoryNonceStore, requestUrl, type AjwtError, type Verifier } from '@ajwt/core'
import { ajwt as ajwtMiddleware, ajwtErrorHandler } from '@ajwt/express'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ajwt, expectCleanFailure, printedKid, tempDir } from '../../test/cli.ts'

let tmp: Awaited<ReturnType<typeof tempDir>>
let server: Server
let base: string
let kid: string

beforeAll(async () => {
  tmp = await tempDir()
  const made = await ajwt(['keygen', '--out', tmp.path('alice')])
  kid = printedKid(made.stdout)
  await ajwt(['keygen', '--type', 'rsa', '--out', tmp.path('stranger')])

  const app = express()
  app.use(
    '/api',
    ajwtMiddleware({
      keys: new MemoryKeyStore({ alice: [await readFile(tmp.path('alice.pub'), 'utf8')] }),
      nonces: new MemoryNonceStore(),
    }),
  )
  app.get('/api/whoami', (req, res) => {
    res.json({ user: req.auth?.username, kid: req.auth?.kid })
  })
  app.post('/api/echo', express.json(), (req, res) => {
    res.status(201).set('x-echo', 'yes').json({ user: req.auth?.username, method: req.method, body: req.body as unknown })
  })
  app.use(ajwtErrorHandler())
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening))
  })
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise<void>((resolve) => {
    server?.close(() => resolve())
    server?.closeAllConnections()
  })
  await tmp?.remove()
})

describe('ajwt request against an Express server with @ajwt/express', () => {
  it('sends a signed GET: 200 with the user, the status line on stderr, the body on stdout', async () => {
    const result = await ajwt(['request', '--key', tmp.path('alice'), '--user', 'alice', `${base}/api/whoami`])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toBe('HTTP 200 OK\n')
    expect(JSON.parse(result.stdout)).toEqual({ user: 'alice', kid })
  })

  it('signs every request afresh: the same command works twice', async () => {
    for (let i = 0; i < 2; i++) {
      const result = await ajwt(['request', '-k', tmp.path('alice'), '-u', 'alice', '-s', `${base}/api/whoami`])
      expect(result.code, result.stderr).toBe(0)
      expect(result.stderr).toBe('')
      expect(JSON.parse(result.stdout)).toMatchObject({ user: 'alice' })
    }
  })

  it('sends -X, -H and a -d @file body, and prints the headers with -i', async () => {
    await writeFile(tmp.path('body.json'), JSON.stringify({ amount: 42 }))
    const result = await ajwt([
      'request', '-i', '-X', 'POST', '-H', 'content-type: application/json', '-H', 'Authorization: Basic Zm9vOmJhcg==',
      '-d', `@${tmp.path('body.json')}`, '--key', tmp.path('alice'), '--user', 'alice', `${base}/api/echo`,
    ])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toBe('')
    const [head, body] = result.stdout.split('\n\n')
    expect(head).toMatch(/^HTTP 201 Created\n/)
    expect(head).toMatch(/^x-echo: yes$/m)
    expect(JSON.parse(body!)).toEqual({ user: 'alice', method: 'POST', body: { amount: 42 } })
  })

  it('takes the body from -d DATA or @- (stdin) and defaults to POST', async () => {
    const inline = await ajwt(['request', '-H', 'content-type: application/json', '-d', '{"n":1}', '-k', tmp.path('alice'), '-u', 'alice', `${base}/api/echo`])
    expect(JSON.parse(inline.stdout)).toMatchObject({ method: 'POST', body: { n: 1 } })
    const piped = await ajwt(['request', '-H', 'content-type: application/json', '-d', '@-', '-k', tmp.path('alice'), '-u', 'alice', `${base}/api/echo`], {
      input: '{"n":2}',
    })
    expect(JSON.parse(piped.stdout)).toMatchObject({ method: 'POST', body: { n: 2 } })
  })

  it('a token replayed or a request unsigned is rejected by the server', async () => {
    const authorization = (await ajwt(['sign', '--key', tmp.path('alice'), '--user', 'alice', '--header'])).stdout.trim()
    const first = await fetch(`${base}/api/whoami`, { headers: { authorization } })
    expect(first.status).toBe(200)
    expect(await first.json()).toMatchObject({ user: 'alice' })
    const replayed = await fetch(`${base}/api/whoami`, { headers: { authorization } })
    expect(replayed.status).toBe(401)
    expect(replayed.headers.get('www-authenticate')).toBe('JWT error="invalid_token"')
    const unsigned = await fetch(`${base}/api/whoami`)
    expect(unsigned.status).toBe(401)
  })

  it('a key the server does not know gets 401: printed, exit 0, or exit 1 with --fail', async () => {
    const args = ['request', '--key', tmp.path('stranger'), '--user', 'alice', `${base}/api/whoami`]
    const plain = await ajwt(args)
    expect(plain.code).toBe(0)
    expect(plain.stderr).toBe('HTTP 401 Unauthorized\n')
    expect(JSON.parse(plain.stdout)).toEqual({ error: 'invalid_token', message: 'Invalid JWT credentials' })
    const failing = await ajwt(['request', '--fail', ...args.slice(1)])
    expect(failing.code).toBe(1)
    expect(failing.stderr).toBe('HTTP 401 Unauthorized\n')
  })

  it('exits 1 with one line when no response arrives', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = express().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo
        probe.close(() => resolve(port))
      })
    })
    const result = await ajwt(['request', '--key', tmp.path('alice'), '--user', 'alice', `http://127.0.0.1:${closed}/api/whoami`])
    expectCleanFailure(result, 1, /^ajwt request: request to http:\/\/127\.0\.0\.1:\d+ failed: connect ECONNREFUSED/)
  })

  it('rejects bad arguments as usage errors before sending anything', async () => {
    const key = ['--key', tmp.path('alice'), '--user', 'alice']
    expectCleanFailure(await ajwt(['request', ...key]), 2, /missing URL/)
    expectCleanFailure(await ajwt(['request', ...key, 'not a url']), 2, /not a URL/)
    expectCleanFailure(await ajwt(['request', ...key, 'ftp://127.0.0.1/']), 2, /only http and https/)
    expectCleanFailure(await ajwt(['request', ...key, '-H', 'no colon', `${base}/api/whoami`]), 2, /-H expects 'Name: value'/)
    expectCleanFailure(await ajwt(['request', ...key, '-X', 'GET', '-d', 'x', `${base}/api/whoami`]), 2, /GET request cannot have a body/)
    expectCleanFailure(await ajwt(['request', '--user', 'alice', `${base}/api/whoami`]), 2, /missing required option --key/)
    expectCleanFailure(await ajwt(['request', ...key, '-d', '@/no/such/file', `${base}/api/echo`]), 1, /cannot read the request body file/)
  })
})

describe('ajwt request binds the request: a node:http server with binding required', () => {
  interface Captured {
    method: string
    path: string
    headers: IncomingHttpHeaders
    body: string
  }
  let bound: Server
  let origin: string
  let verifier: Verifier
  // While set, the server acts as an intercepting hop: it records the request and answers 204 unchecked.
  let intercept: Captured[] | undefined

  beforeAll(async () => {
    bound = createServer(async (req, res) => {
      const refuse = (error: AjwtError) => {
        res.writeHead(error.status, { ...error.headers, 'x-ajwt-code': error.code }).end(JSON.stringify(error.body))
      }
      if (intercept) {
        const parts: Buffer[] = []
        for await (const chunk of req) parts.push(chunk as Buffer)
        intercept.push({ method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(parts).toString('utf8') })
        res.writeHead(204).end()
        return
      }
      const length = req.headers['content-length']
      const result = await verifier.verify(req.headers.authorization, {
        method: req.method ?? 'GET',
        url: requestUrl({ scheme: 'http', host: req.headers.host, target: req.url ?? '/' }),
        headers: req.headers,
        hasBody: length !== undefined ? Number(length) > 0 : req.headers['transfer-encoding'] !== undefined,
      })
      if (!result.ok) return refuse(result.error)
      const parts: Uint8Array[] = []
      try {
        for await (const chunk of checkBodyChunks(req, result.auth)) parts.push(chunk)
      } catch (error) {
        if (isAjwtError(error)) return refuse(error)
        throw error
      }
      const { claims } = result.auth
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ user: result.auth.username, htm: claims.htm, htu: claims.htu, body: Buffer.concat(parts).toString('utf8') }),
      )
    })
    await new Promise<void>((resolve) => bound.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(bound.address() as AddressInfo).port}`
    verifier = createVerifier({
      keys: new MemoryKeyStore({ alice: [await readFile(tmp.path('alice.pub'), 'utf8')] }),
      nonces: new MemoryNonceStore(),
      binding: 'required',
      origins: [origin],
    })
    await writeFile(tmp.path('invoice.json'), '{"amount":42}')
  })

  afterAll(async () => {
    await new Promise<void>((resolve) => {
      bound?.close(() => resolve())
      bound?.closeAllConnections()
    })
  })

  const key = () => ['--key', tmp.path('alice'), '--user', 'alice']
  const capture = async (args: string[]): Promise<Captured> => {
    intercept = []
    try {
      const result = await ajwt(['request', '-s', ...args])
      expect(result.code, result.stderr).toBe(0)
      expect(intercept).toHaveLength(1)
      return intercept[0]!
    } finally {
      intercept = undefined
    }
  }
  const replay = (captured: Captured, change: { method?: string; path?: string; body?: string } = {}) =>
    fetch(`${origin}${change.path ?? captured.path}`, {
      method: change.method ?? captured.method,
      headers: { authorization: captured.headers.authorization!, 'content-type': 'application/json' },
      body: change.body ?? captured.body,
    })

  it('accepts ajwt request -X POST -d @file: the token binds the method, the URL and the body', async () => {
    const result = await ajwt(['request', '-X', 'POST', '-d', `@${tmp.path('invoice.json')}`, ...key(), `${origin}/api/invoices`])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toBe('HTTP 200 OK\n')
    expect(JSON.parse(result.stdout)).toEqual({ user: 'alice', htm: 'POST', htu: `${origin}/api/invoices`, body: '{"amount":42}' })
  })

  it('refuses the same token replayed with another path, method or body', async () => {
    const args = ['-X', 'POST', '-d', `@${tmp.path('invoice.json')}`, ...key(), `${origin}/api/invoices`]
    const first = await capture(args)
    const path = await replay(first, { path: '/api/refunds' })
    expect(path.status).toBe(401)
    expect(path.headers.get('x-ajwt-code')).toBe('url_mismatch')
    const method = await replay(first, { method: 'PUT' })
    expect(method.status).toBe(401)
    expect(method.headers.get('x-ajwt-code')).toBe('method_mismatch')
    const body = await replay(first, { body: '{"amount":4200}' })
    expect(body.status).toBe(401)
    expect(body.headers.get('x-ajwt-code')).toBe('body_mismatch')

    // The capture is faithful: an untampered copy of a captured request is accepted (once).
    const second = await capture(args)
    const genuine = await replay(second)
    expect(genuine.status).toBe(200)
    expect(await genuine.json()).toMatchObject({ user: 'alice', body: '{"amount":42}' })
    expect((await replay(second)).headers.get('x-ajwt-code')).toBe('replay')
  })

  it('refuses an unbound token from ajwt sign (binding_required), and accepts one bound by ajwt sign --method --url --body-file', async () => {
    const unbound = (await ajwt(['sign', ...key(), '--header'])).stdout.trim()
    const refused = await fetch(`${origin}/api/invoices`, { method: 'POST', headers: { authorization: unbound }, body: '{"amount":42}' })
    expect(refused.status).toBe(401)
    expect(refused.headers.get('x-ajwt-code')).toBe('binding_required')
    const signed = await ajwt(['sign', ...key(), '--header', '--method', 'POST', '--url', `${origin}/api/invoices`, '--body-file', tmp.path('invoice.json')])
    const accepted = await fetch(`${origin}/api/invoices`, { method: 'POST', headers: { authorization: signed.stdout.trim() }, body: '{"amount":42}' })
    expect(accepted.status).toBe(200)
  })
})
