import { execFileSync } from 'node:child_process'
import { createPrivateKey, generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { describeKeyStore } from '@ajwt/testing'
import type { JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AjwtError } from '../errors/ajwt-error.ts'
import { generateKeyPair, type GeneratedKeyPair } from '../keys/generate-key-pair.ts'
import { importPublicKey } from '../keys/import-public-key.ts'
import type { PublicKey } from '../keys/public-key.ts'
import { toJWKS } from '../keys/to-jwks.ts'
import { createSigner } from '../signer/create-signer.ts'
import { createVerifier } from '../verifier/create-verifier.ts'
import type { VerifyResult } from '../verifier/types.ts'
import { JwksKeyStore, type JwksFetch, type JwksKeyStoreOptions } from './jwks-key-store.ts'
import { MemoryNonceStore } from './memory-nonce-store.ts'

type Route = (req: IncomingMessage, res: ServerResponse) => void

/** A real HTTP(S) server on 127.0.0.1 whose routes tests swap at will, counting hits per path. */
class JwksServer {
  readonly routes = new Map<string, Route>()
  readonly prefixes = new Map<string, Route>()
  private readonly hitCounts = new Map<string, number>()
  base = ''

  constructor(readonly server: Server) {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname
      this.hitCounts.set(path, this.hits(path) + 1)
      const prefix = [...this.prefixes.keys()].find((p) => path.startsWith(p))
      const route = this.routes.get(path) ?? (prefix === undefined ? undefined : this.prefixes.get(prefix))
      if (route) route(req, res)
      else res.writeHead(404).end()
    })
  }

  async listen(scheme: 'http' | 'https'): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.base = `${scheme}://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this
  }

  hits(path: string): number {
    return this.hitCounts.get(path) ?? 0
  }

  url(path: string): string {
    return `${this.base}${path}`
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}

const json =
  (body: unknown, status = 200): Route =>
  (_req, res) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    res.writeHead(status, { 'content-type': 'application/json' }).end(text)
  }

const jwksOf = async (...pairs: GeneratedKeyPair[]) =>
  toJWKS(await Promise.all(pairs.map((pair) => importPublicKey(pair.publicKey))))

const failure = async (promise: Promise<unknown>): Promise<AjwtError> => {
  const error = await promise.then(
    () => undefined,
    (cause: unknown) => cause,
  )
  expect(error).toBeInstanceOf(AjwtError)
  expect((error as AjwtError).code).toBe('store_unavailable')
  return error as AjwtError
}

const kidsOf = (keys: readonly PublicKey[]) => keys.map((key) => key.kid).sort()

const signed = (username: string, pair: GeneratedKeyPair, now?: () => number) =>
  createSigner({ username, privateKey: pair.privateKey, now }).authorization()

const verdict = (result: VerifyResult) => (result.ok ? 'ok' : result.error.code)

let http: JwksServer
let ed: GeneratedKeyPair
let ed2: GeneratedKeyPair
let ed3: GeneratedKeyPair
let rsa: GeneratedKeyPair
let seq = 0
const unique = (name: string) => `/${name}-${++seq}`

beforeAll(async () => {
  http = await new JwksServer(createHttpServer()).listen('http')
  ;[ed, ed2, ed3, rsa] = await Promise.all([
    generateKeyPair('ed25519'),
    generateKeyPair('ed25519'),
    generateKeyPair('ed25519'),
    generateKeyPair('rsa'),
  ])
})

afterAll(async () => {
  await http?.close()
})

/** A store on the local test server (plain HTTP on loopback, so both escapes are set). */
const localStore = (path: string, options: Partial<JwksKeyStoreOptions> = {}) =>
  new JwksKeyStore({ url: () => http.url(path), allowHttp: true, allowPrivateNetworks: true, ...options })

/** A clock shared by the store, the verifier, the nonce store and the signers. */
const testClock = () => {
  const clock = { t: 1_800_000_000, now: () => clock.t }
  return clock
}

describe('JwksKeyStore: end to end', () => {
  it('verifies real tokens against keys fetched from a JWKS endpoint, fetching once', async () => {
    const path = unique('e2e')
    http.routes.set(path, json(await jwksOf(ed, rsa)))
    const keys = new JwksKeyStore({
      url: (username) => (username === 'billing' ? http.url(path) : undefined),
      allowHttp: true,
      allowPrivateNetworks: true,
    })
    const verifier = createVerifier({ keys, nonces: new MemoryNonceStore() })
    for (const pair of [ed, rsa]) {
      const authorization = await signed('billing', pair)
      const result = await verifier.verify(authorization)
      expect(result.ok && result.auth.kid).toBe((await importPublicKey(pair.publicKey)).kid)
      const replay = await verifier.verify(authorization)
      expect(replay.ok ? 'accepted' : replay.error.code).toBe('replay')
    }
    expect(verdict(await verifier.verify(await signed('billing', ed2)))).toBe('invalid_signature')
    expect(verdict(await verifier.verify(await signed('mallory', ed)))).toBe('unknown_user')
    expect(http.hits(path)).toBe(1)
  })

  it("uses a JWK's own kid, and skips keys that are not Ed25519/RSA-2048 signature keys", async () => {
    const path = unique('kids')
    const withKid = { ...(await importPublicKey(ed.publicKey)).toJWK(), kid: 'billing-2026' }
    const pub = async (pair: GeneratedKeyPair) => (await importPublicKey(pair.publicKey)).toJWK()
    const weakRsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' })
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' })
    const privateEd = createPrivateKey(ed3.privateKey).export({ format: 'jwk' })
    http.routes.set(
      path,
      json({
        keys: [
          withKid,
          withKid,
          await pub(rsa),
          weakRsa,
          ec,
          { ...(await pub(ed2)), use: 'enc' },
          { ...(await pub(ed2)), key_ops: ['encrypt'] },
          { ...(await pub(ed2)), alg: 'RSA-OAEP' },
          privateEd,
          { kty: 'OKP', crv: 'Ed25519', x: 'not-a-key' },
          42,
          null,
          'ssh-ed25519 AAAA',
          [],
        ],
      }),
    )
    const keys = localStore(path)
    const rsaKid = (await importPublicKey(rsa.publicKey)).kid
    expect(kidsOf(await keys.getKeys('billing'))).toEqual(['billing-2026', rsaKid].sort())

    const privateJwk = { ...createPrivateKey(ed.privateKey).export({ format: 'jwk' }), kid: 'billing-2026' } as JWK
    const verifier = createVerifier({ keys, nonces: new MemoryNonceStore() })
    const result = await verifier.verify(await createSigner({ username: 'billing', privateKey: privateJwk }).authorization())
    expect(result.ok && result.auth.kid).toBe('billing-2026')
  })

  it('has no keys, and makes no request, for a user without a URL', async () => {
    let calls = 0
    const keys = new JwksKeyStore({
      url: () => undefined,
      fetch: async () => {
        calls++
        return Response.json({ keys: [] })
      },
    })
    expect(await keys.getKeys('anyone')).toEqual([])
    expect(calls).toBe(0)
  })

  it('answers a verification with 503 when the keys were never fetched', async () => {
    const path = unique('down')
    http.routes.set(path, json('oops', 500))
    const verifier = createVerifier({ keys: localStore(path), nonces: new MemoryNonceStore() })
    const result = await verifier.verify(await signed('billing', ed))
    expect(result.ok ? 'accepted' : [result.error.code, result.error.status]).toEqual(['store_unavailable', 503])
  })
})

describe('JwksKeyStore: over HTTPS', () => {
  let https: JwksServer
  let dir: string
  let cert: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ajwt-jwks-tls-'))
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ],
      { stdio: 'pipe', timeout: 20_000 },
    )
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8')
    const key = readFileSync(join(dir, 'key.pem'), 'utf8')
    https = await new JwksServer(createHttpsServer({ key, cert })).listen('https')
  })

  afterAll(async () => {
    await https?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  // A fetch that trusts the test's own certificate authority, made with node:https.
  const fetchTrusting =
    (ca: string): JwksFetch =>
    (url, init) =>
      new Promise((resolve, reject) => {
        const request = httpsRequest(
          url,
          { method: init.method, headers: init.headers as Record<string, string>, ca, signal: init.signal ?? undefined },
          (res) => {
            const headers = new Headers()
            for (const [name, value] of Object.entries(res.headers)) {
              if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value)
            }
            resolve(new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, { status: res.statusCode, headers }))
          },
        )
        request.on('error', reject)
        request.end()
      })

  it('fetches over https (no allowHttp) and verifies tokens with the keys', async () => {
    https.routes.set('/.well-known/jwks.json', json(await jwksOf(ed)))
    const keys = new JwksKeyStore({
      url: () => https.url('/.well-known/jwks.json'),
      fetch: fetchTrusting(cert),
      allowPrivateNetworks: true,
    })
    const verifier = createVerifier({ keys, nonces: new MemoryNonceStore() })
    const result = await verifier.verify(await signed('billing', ed))
    expect(result.ok && result.auth.username).toBe('billing')
    expect(https.hits('/.well-known/jwks.json')).toBe(1)
  })

  it('fails when the certificate is not trusted (the global fetch does not know this CA)', async () => {
    https.routes.set('/untrusted', json(await jwksOf(ed)))
    const keys = new JwksKeyStore({ url: () => https.url('/untrusted'), allowPrivateNetworks: true })
    await failure(keys.getKeys('billing'))
    expect(https.hits('/untrusted')).toBe(0)
  })
})

describe('JwksKeyStore: refusals', () => {
  it('refuses http: without allowHttp, and other schemes always, making no request', async () => {
    const path = unique('plain')
    http.routes.set(path, json(await jwksOf(ed)))
    const error = await failure(new JwksKeyStore({ url: () => http.url(path), allowPrivateNetworks: true }).getKeys('u'))
    expect(error.detail).toBe('JwksKeyStore: JWKS URL refused: http: is not allowed (https only, unless allowHttp is set)')
    for (const url of ['ftp://example.com/jwks', 'file:///etc/jwks.json', 'data:application/json,{"keys":[]}', 'not a url']) {
      await failure(new JwksKeyStore({ url: () => url, allowHttp: true, allowPrivateNetworks: true }).getKeys('u'))
    }
    expect(http.hits(path)).toBe(0)
  })

  it('refuses loopback, private and link-local hosts without allowPrivateNetworks, making no request', async () => {
    const path = unique('private')
    http.routes.set(path, json(await jwksOf(ed)))
    const port = new URL(http.base).port
    const refused = [
      `http://127.0.0.1:${port}${path}`,
      `http://localhost:${port}${path}`,
      `http://LocalHost.:${port}${path}`,
      `http://0x7f.1:${port}${path}`,
      `http://2130706433:${port}${path}`,
      `http://[::1]:${port}${path}`,
      'https://jwks.localhost/',
      'https://127.8.9.10/',
      'https://0.0.0.0/',
      'https://10.1.2.3/',
      'https://100.64.0.1/',
      'https://169.254.169.254/latest/meta-data/',
      'https://172.16.0.1/',
      'https://172.31.255.255/',
      'https://192.168.1.1/',
      'https://224.0.0.1/',
      'https://[::]/',
      'https://[0:0:0:0:0:0:0:1]/',
      'https://[::ffff:127.0.0.1]/',
      'https://[::ffff:10.0.0.1]/',
      'https://[::ffff:a9fe:a9fe]/',
      'https://[::127.0.0.1]/',
      'https://[64:ff9b::a9fe:a9fe]/',
      'https://[64:ff9b:1::a9fe:a9fe]/',
      'https://[64:ff9b:1::808:808]/',
      'https://[64:ff9b:1:ffff:ffff:ffff:ffff:ffff]/',
      'https://[2002:7f00:1::]/',
      'https://[fc00::1]/',
      'https://[fd12:3456:789a::1]/',
      'https://[fe80::1]/',
      'https://[ff02::1]/',
    ]
    let calls = 0
    const countingFetch: JwksFetch = async () => {
      calls++
      return Response.json(await jwksOf(ed))
    }
    for (const url of refused) {
      const error = await failure(new JwksKeyStore({ url: () => url, allowHttp: true, fetch: countingFetch }).getKeys('u'))
      expect(error.detail, url).toMatch(/^JwksKeyStore: JWKS URL refused: host \S+ \(.+\) is not allowed unless allowPrivateNetworks is set$/)
      // The global fetch too: the loopback server must never be reached.
      await failure(new JwksKeyStore({ url: () => url, allowHttp: true }).getKeys('u'))
    }
    expect(calls).toBe(0)
    expect(http.hits(path)).toBe(0)

    // The same loopback URL is fetched once the escape is set.
    const allowed = new JwksKeyStore({ url: () => refused[0], allowHttp: true, allowPrivateNetworks: true })
    expect(await allowed.getKeys('u')).toHaveLength(1)
    expect(http.hits(path)).toBe(1)
  })

  it('lets public hosts through (checked with a fetch that only counts)', async () => {
    const allowed = [
      'https://example.com/jwks.json',
      'https://localhost.example.com/jwks.json',
      'https://8.8.8.8/jwks',
      'https://172.32.0.1/',
      'https://100.128.0.1/',
      'https://192.169.0.1/',
      'https://[2001:db8::1]/',
      'https://[::ffff:8.8.8.8]/',
      'https://[2606:4700::1111]/',
      'https://[64:ff9b::808:808]/',
      'https://[64:ff9b:2::1]/',
    ]
    const fetched: string[] = []
    const document = await jwksOf(ed)
    for (const url of allowed) {
      const keys = new JwksKeyStore({
        url: () => url,
        fetch: async (target) => {
          fetched.push(target)
          return Response.json(document)
        },
      })
      expect(await keys.getKeys('u'), url).toHaveLength(1)
    }
    expect(fetched).toEqual(allowed)
  })

  it('does not follow redirects', async () => {
    const target = unique('redirect-target')
    http.routes.set(target, json(await jwksOf(ed)))
    for (const status of [301, 302, 307, 308]) {
      const path = unique('redirect')
      http.routes.set(path, (_req, res) => res.writeHead(status, { location: http.url(target) }).end())
      const error = await failure(localStore(path).getKeys('u'))
      expect(error.detail).toMatch(/redirect/)
      expect(http.hits(path)).toBe(1)
    }
    expect(http.hits(target)).toBe(0)

    // A custom fetch that follows redirects anyway does not get its answer trusted.
    const path = unique('redirect')
    http.routes.set(path, (_req, res) => res.writeHead(302, { location: http.url(target) }).end())
    const following = localStore(path, { fetch: (url, init) => fetch(url, { ...init, redirect: 'follow' }) })
    expect((await failure(following.getKeys('u'))).detail).toMatch(/followed a redirect/)
    expect(http.hits(target)).toBe(1)
  })

  it('rejects bodies over the size cap, declared or streamed', async () => {
    const padded = (bytes: number) => {
      const base = JSON.stringify({ keys: [], pad: '' })
      return JSON.stringify({ keys: [], pad: 'x'.repeat(bytes - base.length) })
    }
    const declared = unique('big-declared')
    http.routes.set(declared, json(padded(2048)))
    await failure(localStore(declared, { maxBytes: 1024 }).getKeys('u'))

    const streamed = unique('big-streamed')
    http.routes.set(streamed, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"keys":[],"pad":"')
      for (let i = 0; i < 8; i++) res.write('x'.repeat(512))
      res.end('"}')
    })
    const error = await failure(localStore(streamed, { maxBytes: 1024 }).getKeys('u'))
    expect(error.detail).toMatch(/1024-byte limit/)

    const defaultCap = unique('big-default')
    http.routes.set(defaultCap, json(padded(70_000)))
    await failure(localStore(defaultCap).getKeys('u'))
    const underCap = unique('under-default')
    http.routes.set(underCap, json(padded(60_000)))
    expect(await localStore(underCap).getKeys('u')).toEqual([])
  })

  it('gives up on a slow endpoint at the timeout: no answer, a stalled body, a fetch ignoring its signal', async () => {
    const silent = unique('silent')
    http.routes.set(silent, () => undefined)
    const stalled = unique('stalled')
    http.routes.set(stalled, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"keys":[')
    })
    for (const path of [silent, stalled]) {
      const error = await failure(localStore(path, { timeout: 200 }).getKeys('u'))
      expect(error.detail).toMatch(/within 200 ms/)
    }
    const deaf = new JwksKeyStore({
      url: () => 'https://example.com/jwks',
      timeout: 200,
      fetch: () => new Promise<Response>(() => undefined),
    })
    await failure(deaf.getKeys('u'))
  })

  it('treats error statuses, malformed JSON and documents that are not a JWKS as failures', async () => {
    const bodies: (string | Buffer)[] = ['not json', '{"keys":', '{}', '[]', 'null', '"keys"', '{"keys":{}}', '{"keys":"x"}', '']
    const bad: Route[] = [
      ...bodies.map((body): Route => (_req, res) => res.writeHead(200).end(body)),
      (_req, res) => res.writeHead(200).end(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])),
      json(await jwksOf(ed), 404),
      json(await jwksOf(ed), 500),
      json(await jwksOf(ed), 204),
      (req) => req.socket.destroy(),
    ]
    for (const route of bad) {
      const path = unique('bad')
      http.routes.set(path, route)
      await failure(localStore(path).getKeys('u'))
      expect(http.hits(path)).toBe(1)
    }
    const empty = unique('empty')
    http.routes.set(empty, json({ keys: [] }))
    expect(await localStore(empty).getKeys('u')).toEqual([])
  })

  it('refuses bad options', () => {
    const url = () => 'https://example.com/jwks'
    const code = (make: () => unknown) => {
      try {
        make()
        return 'accepted'
      } catch (error) {
        return (error as AjwtError).code
      }
    }
    expect(code(() => new JwksKeyStore({} as JwksKeyStoreOptions))).toBe('invalid_options')
    expect(code(() => new JwksKeyStore({ url, timeout: 5001 }))).toBe('invalid_options')
    expect(code(() => new JwksKeyStore({ url, timeout: 0 }))).toBe('invalid_options')
    expect(code(() => new JwksKeyStore({ url, cacheMaxAge: -1 }))).toBe('invalid_options')
    expect(code(() => new JwksKeyStore({ url, maxBytes: 0 }))).toBe('invalid_options')
    expect(code(() => new JwksKeyStore({ url, timeout: 5000 }))).toBe('accepted')
  })
})

describe('JwksKeyStore: caching', () => {
  it('serves the last good keys when the endpoint later fails, then picks up new keys', async () => {
    const path = unique('stale')
    const clock = testClock()
    const errors: string[] = []
    http.routes.set(path, json(await jwksOf(ed)))
    const keys = localStore(path, { now: clock.now, onError: (error) => errors.push(error.detail) })
    const verifier = createVerifier({ keys, nonces: new MemoryNonceStore(), now: clock.now })
    const signer = createSigner({ username: 'billing', privateKey: ed.privateKey, now: clock.now })
    const good = await keys.getKeys('billing')

    const outages: Route[] = [json('down', 500), json('{"keys":'), (req) => req.socket.destroy()]
    for (const [i, outage] of outages.entries()) {
      http.routes.set(path, outage)
      clock.t += 601
      expect(await keys.getKeys('billing')).toBe(good)
      expect(http.hits(path)).toBe(2 + i)
      expect(errors).toHaveLength(1 + i)
      const result = await verifier.verify(await signer.authorization())
      expect(result.ok && result.auth.username).toBe('billing')
      expect(http.hits(path)).toBe(2 + i)
    }

    http.routes.set(path, json(await jwksOf(ed2)))
    clock.t += 31
    expect(kidsOf(await keys.getKeys('billing'))).toEqual([(await importPublicKey(ed2.publicKey)).kid])
    const revoked = await verifier.verify(await signer.authorization())
    expect(revoked.ok ? 'accepted' : revoked.error.code).toBe('invalid_signature')
  })

  it('refetches for an unknown kid at most once per cooldown', async () => {
    const path = unique('rotate')
    const clock = testClock()
    http.routes.set(path, json(await jwksOf(ed)))
    const keys = localStore(path, { now: clock.now })
    const verifier = createVerifier({ keys, nonces: new MemoryNonceStore(), now: clock.now })
    const verify = async (pair: GeneratedKeyPair) => verdict(await verifier.verify(await signed('svc', pair, clock.now)))
    expect(await verify(ed)).toBe('ok')
    expect(http.hits(path)).toBe(1)

    // The client rotates: its JWKS gains ed2 and its tokens start carrying ed2's kid.
    http.routes.set(path, json(await jwksOf(ed, ed2)))
    clock.t += 5
    expect(await verify(ed2)).toBe('invalid_signature')
    await keys.getKeys('svc', { kid: 'another-unknown-kid' })
    expect(http.hits(path)).toBe(1)

    clock.t += 26
    expect(await verify(ed2)).toBe('ok')
    expect(http.hits(path)).toBe(2)
    expect(await verify(ed3)).toBe('invalid_signature')
    expect(await verify(ed)).toBe('ok')
    expect(http.hits(path)).toBe(2)

    // Without the hint (an older verifier) the cache is served until it expires.
    clock.t += 60
    expect(kidsOf(await keys.getKeys('svc'))).toHaveLength(2)
    expect(http.hits(path)).toBe(2)
    expect(await verify(ed3)).toBe('invalid_signature')
    expect(http.hits(path)).toBe(3)
  })

  it('retries a failing endpoint at most once per cooldown, failing closed meanwhile', async () => {
    const path = unique('never-good')
    const clock = testClock()
    http.routes.set(path, json('down', 503))
    const hook = () => {
      throw new Error('a broken logging hook')
    }
    const keys = localStore(path, { now: clock.now, cooldown: 10_000, onError: hook })
    const first = await failure(keys.getKeys('svc'))
    clock.t += 9
    expect(await failure(keys.getKeys('svc'))).toBe(first)
    expect(http.hits(path)).toBe(1)
    clock.t += 1
    await failure(keys.getKeys('svc'))
    expect(http.hits(path)).toBe(2)
    http.routes.set(path, json(await jwksOf(ed)))
    clock.t += 5
    await failure(keys.getKeys('svc'))
    clock.t += 5
    expect(await keys.getKeys('svc')).toHaveLength(1)
    expect(http.hits(path)).toBe(3)
  })

  it('shares one in-flight fetch between concurrent lookups, for success and for failure', async () => {
    const document = JSON.stringify(await jwksOf(ed, rsa))
    let status = 200
    const path = unique('concurrent')
    http.routes.set(path, (_req, res) => {
      setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end(document), 50)
    })
    const keys = localStore(path)
    const results = await Promise.all(Array.from({ length: 20 }, () => keys.getKeys('svc')))
    expect(http.hits(path)).toBe(1)
    expect(new Set(results).size).toBe(1)
    expect(results[0]).toHaveLength(2)

    status = 500
    const failing = localStore(path)
    const settled = await Promise.allSettled(Array.from({ length: 20 }, () => failing.getKeys('svc')))
    expect(settled.every((result) => result.status === 'rejected')).toBe(true)
    expect(http.hits(path)).toBe(2)
  })

  it('refetches when the cache expires, keeping the same array while the keys are unchanged', async () => {
    const path = unique('ttl')
    const clock = testClock()
    http.routes.set(path, json(await jwksOf(ed)))
    const keys = localStore(path, { now: clock.now })
    const first = await keys.getKeys('svc')
    clock.t += 599
    expect(await keys.getKeys('svc')).toBe(first)
    expect(http.hits(path)).toBe(1)
    clock.t += 1
    expect(await keys.getKeys('svc')).toBe(first)
    expect(http.hits(path)).toBe(2)

    http.routes.set(path, json(await jwksOf(ed2)))
    clock.t += 600
    expect(kidsOf(await keys.getKeys('svc'))).toEqual([(await importPublicKey(ed2.publicKey)).kid])
    expect(http.hits(path)).toBe(3)

    const short = localStore(path, { now: clock.now, cacheMaxAge: 60_000 })
    await short.getKeys('svc')
    clock.t += 60
    await short.getKeys('svc')
    expect(http.hits(path)).toBe(5)
  })

  it("drops a user's cached keys when their URL changes, and bounds the users cached", async () => {
    const [a, b, c] = [unique('user-a'), unique('user-b'), unique('user-c')]
    http.routes.set(a, json(await jwksOf(ed)))
    http.routes.set(b, json(await jwksOf(ed2)))
    http.routes.set(c, json(await jwksOf(ed3)))
    const urls: Record<string, string> = { alice: a, bob: b, carol: c }
    const keys = new JwksKeyStore({
      url: (username) => (urls[username] ? new URL(http.url(urls[username])) : undefined),
      allowHttp: true,
      allowPrivateNetworks: true,
      maxEntries: 2,
    })
    const edKid = (await importPublicKey(ed.publicKey)).kid
    expect(kidsOf(await keys.getKeys('alice'))).toEqual([edKid])
    urls.alice = b
    expect(kidsOf(await keys.getKeys('alice'))).toEqual([(await importPublicKey(ed2.publicKey)).kid])
    expect(http.hits(b)).toBe(1)

    urls.alice = a
    await keys.getKeys('alice')
    await keys.getKeys('bob')
    await keys.getKeys('carol')
    await keys.getKeys('carol')
    expect([http.hits(a), http.hits(b), http.hits(c)]).toEqual([2, 2, 1])
    expect(kidsOf(await keys.getKeys('alice'))).toEqual([edKid])
    expect(http.hits(a)).toBe(3)
  })
})

let conformanceRun = 0
describeKeyStore('JwksKeyStore', async (seed) => {
  const prefix = `/conformance-${++conformanceRun}/`
  const documents = new Map<string, string>()
  for (const [username, pems] of Object.entries(seed)) {
    documents.set(username, JSON.stringify(toJWKS(await Promise.all(pems.map((pem) => importPublicKey(pem))))))
  }
  http.prefixes.set(prefix, (req, res) => {
    const username = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(prefix.length))
    res.writeHead(200, { 'content-type': 'application/json' }).end(documents.get(username) ?? '{"keys":[]}')
  })
  return new JwksKeyStore({
    url: (username) => http.url(prefix + encodeURIComponent(username)),
    allowHttp: true,
    allowPrivateNetworks: true,
  })
})

/** A fetch that serves whatever `state.answer` says and counts its calls: no network at all. */
const scriptedFetch = (answer: () => Response | Promise<Response>) => {
  const state = { calls: 0, fetch: (async () => {
    state.calls++
    return answer()
  }) as JwksFetch }
  return state
}

const publicJwk = async (pair: GeneratedKeyPair) => (await importPublicKey(pair.publicKey)).toJWK()

describe('JwksKeyStore: what the url callback returns', () => {
  it('an inherited member of a lookup table (`trusted[username]`) is an unknown user, not an error', async () => {
    const trusted: Record<string, string> = { billing: 'https://billing.example.com/.well-known/jwks.json' }
    const document = await jwksOf(ed)
    const fetched = scriptedFetch(() => Response.json(document))
    const errors: string[] = []
    const keys = new JwksKeyStore({ url: (username) => trusted[username], fetch: fetched.fetch, onError: (e) => errors.push(e.detail) })
    for (const username of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf']) {
      expect(await keys.getKeys(username), username).toEqual([])
    }
    expect(fetched.calls).toBe(0)
    expect(errors).toEqual([])

    const verifier = createVerifier({ keys, nonces: new MemoryNonceStore() })
    expect(verdict(await verifier.verify(await signed('constructor', ed)))).toBe('unknown_user')
    expect(verdict(await verifier.verify(await signed('billing', ed)))).toBe('ok')
    expect(fetched.calls).toBe(1)
  })

  it('anything but a non-empty string or a URL means no keys, with no request', async () => {
    const returned: unknown[] = [undefined, null, '', 42, true, {}, [], () => 'https://example.com/jwks', Symbol('x'), new String('https://example.com/jwks')]
    const fetched = scriptedFetch(() => Response.json({ keys: [] }))
    for (const value of returned) {
      const keys = new JwksKeyStore({ url: () => value as string, fetch: fetched.fetch })
      expect(await keys.getKeys('u'), String(typeof value)).toEqual([])
    }
    expect(fetched.calls).toBe(0)
    const viaUrl = new JwksKeyStore({ url: () => new URL('https://example.com/jwks'), fetch: fetched.fetch })
    expect(await viaUrl.getKeys('u')).toEqual([])
    expect(fetched.calls).toBe(1)
  })

  it('a callback that throws is a store failure that says so, reported to onError', async () => {
    const reported: Array<[string, string]> = []
    const keys = new JwksKeyStore({
      url: () => {
        throw new Error('directory down')
      },
      onError: (error, username) => reported.push([error.detail, username]),
    })
    const error = await failure(keys.getKeys('billing'))
    expect(error.detail).toBe('JwksKeyStore: the url callback threw: directory down')
    expect(reported).toEqual([[error.detail, 'billing']])
  })
})

describe('JwksKeyStore: refusals are reported and explained', () => {
  it('a refused URL goes to onError (at most once per cooldown), and the thrown error says why', async () => {
    const clock = testClock()
    const fetched = scriptedFetch(() => Response.json({ keys: [] }))
    const reported: Array<[AjwtError, string]> = []
    const keys = new JwksKeyStore({
      url: () => 'http://jwks.example.com/jwks.json',
      fetch: fetched.fetch,
      now: clock.now,
      onError: (error, username) => reported.push([error, username]),
    })
    const error = await failure(keys.getKeys('billing'))
    expect(error.status).toBe(503)
    expect(error.message).toBe('Service Unavailable')
    expect(error.detail).toBe('JwksKeyStore: JWKS URL refused: http: is not allowed (https only, unless allowHttp is set)')
    expect(reported).toEqual([[error, 'billing']])

    clock.t += 29
    expect(await failure(keys.getKeys('billing'))).toBe(error)
    expect(reported).toHaveLength(1)
    clock.t += 1
    await failure(keys.getKeys('billing'))
    expect(reported).toHaveLength(2)
    expect(fetched.calls).toBe(0)
  })

  it('private addresses and unparsable URLs too', async () => {
    const cases: Array<[string, string]> = [
      ['https://127.0.0.1/jwks', 'JwksKeyStore: JWKS URL refused: host 127.0.0.1 (127.0.0.0/8 (loopback)) is not allowed unless allowPrivateNetworks is set'],
      ['https://[64:ff9b:1::808:808]/jwks', 'JwksKeyStore: JWKS URL refused: host [64:ff9b:1::808:808] (64:ff9b:1::/48 (local-use NAT64)) is not allowed unless allowPrivateNetworks is set'],
      ['not a url with a secret', 'JwksKeyStore: JWKS URL refused: not a valid URL'],
      ['ftp://example.com/jwks', 'JwksKeyStore: JWKS URL refused: ftp: is not allowed (https only)'],
    ]
    for (const [url, detail] of cases) {
      const reported: string[] = []
      const keys = new JwksKeyStore({ url: () => url, onError: (error) => reported.push(error.detail) })
      expect((await failure(keys.getKeys('u'))).detail).toBe(detail)
      expect(reported).toEqual([detail])
    }
  })

  it('failure details name the URL without its credentials, query or fragment', async () => {
    const keys = new JwksKeyStore({
      url: () => 'https://user:hunter2@example.com/users/billing/jwks.json?token=s3cret#frag',
      fetch: async () => new Response('down', { status: 500 }),
    })
    const error = await failure(keys.getKeys('billing'))
    expect(error.detail).toBe('JwksKeyStore: https://example.com/users/billing/jwks.json: HTTP 500')
  })
})

describe('JwksKeyStore: keys taken from a document', () => {
  it('takes at most maxKeys (default 16) keys, in document order, refusing and reporting the rest', async () => {
    const pairs = Array.from({ length: 20 }, () => generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }))
    const encryption = { ...pairs[0]!, use: 'enc' }
    const fetched = scriptedFetch(() => Response.json({ keys: [pairs[0], pairs[0], ...pairs.slice(1), encryption] }))
    const reported: AjwtError[] = []
    const keys = new JwksKeyStore({ url: () => 'https://example.com/jwks', fetch: fetched.fetch, onError: (error) => reported.push(error) })
    const taken = await keys.getKeys('u')
    const expected = await Promise.all(pairs.slice(0, 16).map((jwk) => importPublicKey(jwk as JWK)))
    expect(taken.map((key) => key.fingerprint)).toEqual(expected.map((key) => key.fingerprint))
    expect(reported.map((error) => [error.code, error.detail])).toEqual([
      ['invalid_key', 'JwksKeyStore: https://example.com/jwks: keys skipped: 4 more keys refused: at most 16 are taken from a JWKS (maxKeys)'],
    ])

    const two = new JwksKeyStore({ url: () => 'https://example.com/jwks', fetch: fetched.fetch, maxKeys: 2, onError: (error) => reported.push(error) })
    expect(await two.getKeys('u')).toHaveLength(2)
    expect(reported[1]!.detail).toMatch(/: 18 more keys refused: at most 2 are taken/)
  })

  it('reports nothing when the document holds maxKeys signature keys and keys for other uses', async () => {
    const jwks = await jwksOf(ed, ed2)
    const reported: string[] = []
    const keys = new JwksKeyStore({
      url: () => 'https://example.com/jwks',
      fetch: async () => Response.json({ keys: [...jwks.keys, { ...jwks.keys[0], use: 'enc' }, { kty: 'EC', alg: 'ES256' }] }),
      maxKeys: 2,
      onError: (error) => reported.push(error.detail),
    })
    expect(await keys.getKeys('u')).toHaveLength(2)
    expect(reported).toEqual([])
  })

  it('skips keys that fail the import checks without losing the others, and reports each reason', async () => {
    const n = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }).n!
    const identity = Buffer.alloc(32)
    identity[0] = 1
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' })
    const privateEd = createPrivateKey(ed3.privateKey).export({ format: 'jwk' })
    const document = {
      keys: [
        { kty: 'RSA', n, e: 'AQ' },
        { kty: 'OKP', crv: 'Ed25519', x: identity.toString('base64url') },
        weak,
        privateEd,
        42,
        await publicJwk(ed),
        { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' },
        await publicJwk(rsa),
      ],
    }
    const reported: AjwtError[] = []
    const keys = new JwksKeyStore({
      url: () => 'https://example.com/jwks',
      fetch: async () => Response.json(document),
      onError: (error) => reported.push(error),
    })
    expect(kidsOf(await keys.getKeys('billing'))).toEqual(
      [(await importPublicKey(ed.publicKey)).kid, (await importPublicKey(rsa.publicKey)).kid].sort(),
    )
    expect(reported).toHaveLength(1)
    const [report] = reported
    expect(report!.code).toBe('invalid_key')
    expect(report!.detail).toMatch(
      /^JwksKeyStore: https:\/\/example\.com\/jwks: keys skipped: key 1: RSA key refused: public exponent 1; .*; key 2: Ed25519 public key refused: it is a point of small order.*; key 3: RSA key of 1024 bits refused.*; key 4: published with its private parts; key 5: not a JWK object; and 1 more$/,
    )
    for (const secret of [n, privateEd.d!]) {
      for (let i = 0; i + 8 <= secret.length; i += 4) expect(report!.detail).not.toContain(secret.slice(i, i + 8))
    }

    const verifier = createVerifier({ keys, nonces: new MemoryNonceStore() })
    expect(verdict(await verifier.verify(await signed('billing', ed)))).toBe('ok')
  })

  it('refuses bad maxKeys and maxStale options', () => {
    const url = () => 'https://example.com/jwks'
    for (const options of [{ maxKeys: 0 }, { maxKeys: 1.5 }, { maxKeys: -1 }, { maxStale: -1 }, { maxStale: Number.NaN }]) {
      expect(() => new JwksKeyStore({ url, ...options }), JSON.stringify(options)).toThrow(AjwtError)
    }
    expect(() => new JwksKeyStore({ url, maxKeys: 1, maxStale: Number.POSITIVE_INFINITY })).not.toThrow()
  })
})

describe('JwksKeyStore: stale keys are served for a bounded time', () => {
  const setup = async (options: Partial<JwksKeyStoreOptions> = {}) => {
    const clock = testClock()
    const document = await jwksOf(ed)
    const endpoint = { up: true }
    const fetched = scriptedFetch(() => (endpoint.up ? Response.json(document) : new Response('down', { status: 502 })))
    const reported: string[] = []
    const keys = new JwksKeyStore({
      url: () => 'https://example.com/jwks',
      fetch: fetched.fetch,
      now: clock.now,
      onError: (error) => reported.push(error.detail),
      ...options,
    })
    const good = await keys.getKeys('u')
    endpoint.up = false
    return { clock, endpoint, fetched, reported, keys, good }
  }

  it('serves them up to maxStale (default 1 h) past cacheMaxAge, then throws until the endpoint is back', async () => {
    const { clock, endpoint, fetched, reported, keys, good } = await setup()
    const start = clock.t
    clock.t += 600
    expect(await keys.getKeys('u')).toBe(good)
    expect(fetched.calls).toBe(2)
    expect(reported).toEqual(['JwksKeyStore: https://example.com/jwks: HTTP 502'])

    // Every failed refetch serves them again until the bound...
    clock.t = start + 600 + 3599
    expect(await keys.getKeys('u')).toBe(good)
    // ...and refused from it on, by a fetch that fails again...
    clock.t = start + 600 + 3600
    const error = await failure(keys.getKeys('u'))
    expect(error.detail).toBe(
      'JwksKeyStore: https://example.com/jwks: HTTP 502; the last good keys, fetched 4200 s ago, are past maxStale and no longer served',
    )
    // ...and within the next cooldown, without a fetch.
    const calls = fetched.calls
    clock.t += 10
    expect((await failure(keys.getKeys('u'))).detail).toMatch(/fetched 4210 s ago, are past maxStale/)
    expect(fetched.calls).toBe(calls)

    endpoint.up = true
    clock.t += 20
    expect(await keys.getKeys('u')).toBe(good)
    expect(fetched.calls).toBe(calls + 1)
  })

  it('maxStale: 0 stops serving them as soon as the cache expires; Infinity never does', async () => {
    const strict = await setup({ maxStale: 0 })
    strict.clock.t += 599
    expect(await strict.keys.getKeys('u')).toBe(strict.good)
    strict.clock.t += 1
    expect((await failure(strict.keys.getKeys('u'))).detail).toMatch(/HTTP 502; the last good keys, fetched 600 s ago, are past maxStale/)

    const lenient = await setup({ maxStale: Number.POSITIVE_INFINITY })
    lenient.clock.t += 365 * 86_400
    expect(await lenient.keys.getKeys('u')).toBe(lenient.good)
  })

  it('a fetch for an unknown kid that fails still serves fresh keys', async () => {
    const { clock, keys, good, fetched } = await setup({ maxStale: 0 })
    clock.t += 31
    expect(await keys.getKeys('u', { kid: 'rotated' })).toBe(good)
    expect(fetched.calls).toBe(2)
  })
})
