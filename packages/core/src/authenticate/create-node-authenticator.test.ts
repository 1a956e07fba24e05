import { createHash } from 'node:crypto'
import { createServer, IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { connect } from 'node:net'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { AjwtError } from '../errors/ajwt-error.ts'
import { isAjwtError } from '../errors/ajwt-error.ts'
import { generateKeyPair, type GeneratedKeyPair } from '../keys/generate-key-pair.ts'
import { createSigner } from '../signer/create-signer.ts'
import { MemoryKeyStore } from '../stores/memory-key-store.ts'
import { MemoryNonceStore } from '../stores/memory-nonce-store.ts'
import type { KeyStore } from '../stores/types.ts'
import type { VerifierOptions } from '../verifier/types.ts'
import { createNodeAuthenticator } from './create-node-authenticator.ts'

let pair: GeneratedKeyPair
beforeAll(async () => {
  pair = await generateKeyPair('ed25519')
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => {
    server.closeAllConnections()
    server.close(resolve)
  })))
})

interface Seen {
  status: number
  body: string
  code?: string
}

/**
 * A node:http server: the authenticator runs after `delayMs` (another middleware awaiting), then
 * the route reads the whole body (unless `read` is false) and answers its SHA-256 and length.
 */
async function serve(options: Partial<VerifierOptions> & { delayMs?: number; read?: boolean; readFirst?: boolean } = {}) {
  const rejected: AjwtError[] = []
  const contexts: unknown[] = []
  const authenticate = createNodeAuthenticator({
    keys: new MemoryKeyStore({ billing: [pair.publicKey] }),
    nonces: new MemoryNonceStore(),
    onRejected: (error, context) => {
      rejected.push(error)
      contexts.push(context)
    },
    ...options,
  })
  const handled: string[] = []
  const requests: IncomingMessage[] = []
  const answer = (res: ServerResponse, status: number, body: unknown) => {
    if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  }
  const server = createServer(async (req: IncomingMessage, res) => {
    if (options.readFirst) for await (const _ of req) void _
    if (options.delayMs) await sleep(options.delayMs)
    requests.push(req)
    const result = await authenticate(req)
    if (!result.ok) return answer(res, result.error.status, { code: result.error.code })
    if (options.read === false) {
      handled.push('no-read')
      return answer(res, 200, { read: false })
    }
    const hash = createHash('sha256')
    let length = 0
    try {
      for await (const chunk of req) {
        hash.update(chunk as Buffer)
        length += (chunk as Buffer).length
      }
    } catch (error) {
      if (isAjwtError(error)) return answer(res, error.status, { code: error.code })
      return answer(res, 500, { code: String(error) })
    }
    handled.push(`${req.method} ${length}`)
    answer(res, 200, { length, sha256: hash.digest('base64url'), user: result.auth?.username ?? null })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  const origin = `http://127.0.0.1:${port}`
  const signer = createSigner({ username: 'billing', privateKey: pair.privateKey })
  const send = async (init: { method?: string; path?: string; body?: BodyInit | null; authorization?: string; duplex?: 'half' }): Promise<Seen> => {
    const res = await fetch(origin + (init.path ?? '/x'), {
      method: init.method ?? 'POST',
      body: init.body ?? null,
      headers: init.authorization ? { authorization: init.authorization } : {},
      ...(init.duplex ? { duplex: init.duplex } : {}),
    } as RequestInit)
    const body = await res.text()
    return { status: res.status, body, code: (JSON.parse(body) as { code?: string }).code }
  }
  const bound = (body: string | Uint8Array | null, method = 'POST', path = '/x') =>
    signer.authorization({ method, url: origin + path, body: body ?? undefined })
  return { origin, send, bound, signer, rejected, contexts, requests, handled }
}

const sha = (data: string | Uint8Array) => createHash('sha256').update(data).digest('base64url')

describe('createNodeAuthenticator: the body of a bound token', () => {
  it('hands the exact body to the reader when it matches, and refuses a body one byte off', async () => {
    const app = await serve()
    const body = JSON.stringify({ amount: 100, to: 'acme' })
    const ok = await app.send({ body, authorization: await app.bound(body) })
    expect(ok.status).toBe(200)
    expect(JSON.parse(ok.body)).toEqual({ length: body.length, sha256: sha(body), user: 'billing' })
    const tampered = body.replace('100', '900')
    const refused = await app.send({ body: tampered, authorization: await app.bound(body) })
    expect(refused).toMatchObject({ status: 401, code: 'body_mismatch' })
    expect(app.handled).toEqual([`POST ${body.length}`])
    expect(app.rejected.map((error) => error.code)).toEqual(['body_mismatch'])
  })

  it('checks a body that arrived before the token was verified (slow key store) and one complete before the adapter ran', async () => {
    const slow = new MemoryKeyStore({ billing: [pair.publicKey] })
    const keys: KeyStore = { getKeys: async (username) => (await sleep(30), slow.getKeys(username)) }
    for (const app of [await serve({ keys }), await serve({ delayMs: 30 })]) {
      const body = 'x'.repeat(5000)
      expect((await app.send({ body, authorization: await app.bound(body) })).status).toBe(200)
      const refused = await app.send({ body: `${body.slice(1)}y`, authorization: await app.bound(body) })
      expect(refused).toMatchObject({ status: 401, code: 'body_mismatch' })
    }
  })

  it('checks a chunked body, and a large one streamed in many chunks', async () => {
    const app = await serve()
    const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 31) % 251)
    const stream = (data: Uint8Array, flip = false) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let offset = 0; offset < data.length; offset += 64 * 1024) {
            const part = data.slice(offset, offset + 64 * 1024)
            if (flip && offset + 64 * 1024 >= data.length) part[part.length - 1] = (part[part.length - 1] ?? 0) ^ 1
            controller.enqueue(part)
          }
          controller.close()
        },
      })
    const ok = await app.send({ body: stream(big), duplex: 'half', authorization: await app.bound(big) })
    expect(ok.status).toBe(200)
    expect(JSON.parse(ok.body)).toMatchObject({ length: big.length, sha256: sha(big) })
    const refused = await app.send({ body: stream(big, true), duplex: 'half', authorization: await app.bound(big) })
    expect(refused).toMatchObject({ status: 401, code: 'body_mismatch' })
    // Refused as it streamed, after the token was accepted: onRejected still gets the request.
    expect(app.rejected.map((error) => error.code)).toEqual(['body_mismatch'])
    expect(app.contexts).toEqual([app.requests[1]])
    expect(app.contexts[0]).toBeInstanceOf(IncomingMessage)
  })

  it('refuses a bound body over maxBoundBodyBytes with 413, as it streams', async () => {
    const app = await serve({ maxBoundBodyBytes: 1000 })
    const body = 'y'.repeat(1001)
    expect(await app.send({ body, authorization: await app.bound(body) })).toMatchObject({ status: 413, code: 'body_too_large' })
    const fits = 'y'.repeat(1000)
    expect((await app.send({ body: fits, authorization: await app.bound(fits) })).status).toBe(200)
  })

  it('refuses a body added to a request bound without one, and a bound body that is missing', async () => {
    const app = await serve()
    expect(await app.send({ body: 'sneaky', authorization: await app.bound(null) })).toMatchObject({ status: 401, code: 'body_mismatch' })
    expect(await app.send({ body: null, authorization: await app.bound('expected') })).toMatchObject({ status: 401, code: 'body_mismatch' })
  })

  it('leaves the body of an unbound token untouched (if-present), and refuses it under required', async () => {
    const app = await serve()
    const body = 'z'.repeat(70_000)
    const ok = await app.send({ body, authorization: await app.signer.authorization() })
    expect(JSON.parse(ok.body)).toMatchObject({ length: body.length, sha256: sha(body) })
    const strict = await serve({ binding: 'required' })
    expect(await strict.send({ body, authorization: await strict.signer.authorization() })).toMatchObject({ status: 401, code: 'binding_required' })
  })

  it('refuses a bound body that something read before the adapter ran, rather than trusting it', async () => {
    const app = await serve({ readFirst: true })
    const body = 'already read'
    expect(await app.send({ body, authorization: await app.bound(body) })).toMatchObject({ status: 401, code: 'body_mismatch' })
    expect(app.rejected.map((error) => error.detail)).toEqual([expect.stringMatching(/before ajwt ran/)])
    expect((await app.send({ body, authorization: await app.signer.authorization() })).status).toBe(200)
  })

  it('a handler that never reads a tampered body answers, and nothing crashes; the connection stays usable', async () => {
    const app = await serve({ read: false })
    const body = 'x'.repeat(200_000)
    // A large body whose end comes later: the token is verified, and the handler answers, first.
    const late = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode(body.slice(1)))
        await sleep(100)
        controller.enqueue(new TextEncoder().encode('y!'))
        controller.close()
      },
    })
    const res = await app.send({ body: late, duplex: 'half', authorization: await app.bound(body) })
    expect(res.status).toBe(200)
    expect(app.handled).toEqual(['no-read'])
    // Two requests on one keep-alive connection: a tampered body refused, then a good one served.
    const checked = await serve()
    const url = new URL(checked.origin)
    const good = 'good body'
    const bad = 'bad body!'
    const request = (authorization: string, payload: string) =>
      `POST /x HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: ${authorization}\r\nContent-Length: ${payload.length}\r\n\r\n${payload}`
    const replies = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname)
      let text = ''
      socket.on('data', (data) => {
        text += data.toString()
        if ((text.match(/HTTP\/1\.1 /g) ?? []).length === 2 && /(\}|\r\n0\r\n\r\n)$/.test(text)) {
          socket.end()
          resolve(text)
        }
      })
      socket.on('error', reject)
      void (async () => {
        socket.write(request(await checked.bound(good), bad))
        await sleep(50)
        socket.write(request(await checked.bound(good), good))
      })()
    })
    expect(replies.match(/HTTP\/1\.1 (\d+)/g)).toEqual(['HTTP/1.1 401', 'HTTP/1.1 200'])
  })

  it('a tampered body that arrived with its headers is refused before the nonce is claimed: the genuine request still passes', async () => {
    const app = await serve()
    const url = new URL(app.origin)
    const body = '{"pay":100}'
    const authorization = await app.bound(body)
    // Headers and body in one write, as a small request usually arrives: the body is whole before
    // the token is verified.
    const once = (payload: string) =>
      new Promise<number>((resolve, reject) => {
        const socket = connect(Number(url.port), url.hostname, () => {
          socket.write(`POST /x HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: ${authorization}\r\nContent-Length: ${payload.length}\r\nConnection: close\r\n\r\n${payload}`)
        })
        let text = ''
        socket.on('data', (data) => (text += data.toString()))
        socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1])))
        socket.on('error', reject)
      })
    expect(await once('{"pay":900}')).toBe(401)
    expect(app.rejected.map((error) => error.code)).toEqual(['body_mismatch'])
    expect(await once(body)).toBe(200)
    expect(await once(body)).toBe(401)
    expect(app.rejected.map((error) => error.code)).toEqual(['body_mismatch', 'replay'])
  })

  it('50 concurrent copies of one bound request, small body (waited for before the claim) and large: one is accepted', async () => {
    for (const body of ['{"pay":1}', 'L'.repeat(200_000)]) {
      const app = await serve()
      const authorization = await app.bound(body)
      const replies = await Promise.all(Array.from({ length: 50 }, () => app.send({ body, authorization })))
      expect(replies.filter((reply) => reply.status === 200)).toHaveLength(1)
      expect(new Set(replies.filter((reply) => reply.status !== 200).map((reply) => `${reply.status} ${reply.code}`))).toEqual(new Set(['401 replay']))
    }
  })

  it('a token replayed with its own body is refused: the body does not make it new', async () => {
    const app = await serve()
    const body = '{"pay":1}'
    const authorization = await app.bound(body)
    expect((await app.send({ body, authorization })).status).toBe(200)
    expect(await app.send({ body, authorization })).toMatchObject({ status: 401, code: 'replay' })
  })
})
