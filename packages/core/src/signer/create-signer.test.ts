import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { base64url, decodeJwt, decodeProtectedHeader, importSPKI, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAjwtError, NOW, vectors } from '../../test/helpers.ts'
import { MemoryKeyStore } from '../stores/memory-key-store.ts'
import { MemoryNonceStore } from '../stores/memory-nonce-store.ts'
import { createVerifier } from '../verifier/create-verifier.ts'
import { createSigner } from './create-signer.ts'

const ed = vectors.keys.ed25519
const rsa = vectors.keys.rsa

function verifierFor(publicPem: string, options: { scheme?: string; now?: () => number } = {}) {
  const now = options.now ?? (() => NOW)
  return createVerifier({
    keys: new MemoryKeyStore({ guido: [publicPem] }),
    nonces: new MemoryNonceStore(),
    now,
    ...(options.scheme ? { scheme: options.scheme } : {}),
  })
}

describe('createSigner: tokens', () => {
  it('puts a fresh time and a fresh 128-bit nonce in every token', async () => {
    let clock = NOW
    const signer = createSigner({ username: 'guido', privateKey: ed.private_pkcs8_pem, now: () => clock })
    const nonces = new Set<string>()
    for (let i = 0; i < 300; i++) {
      clock = NOW + i + 0.75
      const payload = decodeJwt(await signer.token())
      expect(payload.time).toBe(NOW + i)
      expect(payload.username).toBe('guido')
      expect(Object.keys(payload).sort()).toEqual(['nonce', 'time', 'username'])
      const nonce = payload.nonce as string
      expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/)
      expect(base64url.decode(nonce)).toHaveLength(16)
      nonces.add(nonce)
    }
    expect(nonces.size).toBe(300)
  })

  it('uses the real clock by default', async () => {
    const before = Math.floor(Date.now() / 1000)
    const payload = decodeJwt(await createSigner({ username: 'guido', privateKey: ed.private_pkcs8_pem }).token())
    expect(payload.time).toBeGreaterThanOrEqual(before)
    expect(payload.time).toBeLessThanOrEqual(Math.floor(Date.now() / 1000))
  })

  for (const [name, vector, alg] of [['ed25519', ed, 'EdDSA'], ['rsa', rsa, 'RS512'], ['rsa3072', vectors.keys.rsa3072, 'RS512']] as const) {
    it(`${name}: signs ${alg} with the fingerprint as kid, and jose verifies it on its own`, async () => {
      const signer = createSigner({ username: 'svc.billing@example.com', privateKey: vector.private_pkcs8_pem })
      const token = await signer.token()
      expect(decodeProtectedHeader(token)).toEqual({ alg, typ: 'JWT', kid: vector.kid })
      const { payload } = await jwtVerify(token, await importSPKI(vector.public_spki_pem, alg), { algorithms: [alg] })
      expect(payload.username).toBe('svc.billing@example.com')
      expect((await signer.key()).kid).toBe(vector.kid)
      expect((await signer.key()).algorithm).toBe(alg)
    })
  }

  it('authorization() is "JWT <token>" and verifies', async () => {
    const signer = createSigner({ username: 'guido', privateKey: rsa.private_pkcs1_pem, now: () => NOW })
    const header = await signer.authorization()
    expect(header).toMatch(/^JWT [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
    const result = await verifierFor(rsa.public_spki_pem).verify(header)
    expect(result.ok && result.auth).toMatchObject({ username: 'guido', kid: rsa.kid, time: NOW })
  })

  it('signs with an encrypted key and its passphrase', async () => {
    const signer = createSigner({
      username: 'guido',
      privateKey: rsa.private_pkcs8_pem_encrypted,
      passphrase: rsa.passphrase,
      now: () => NOW,
    })
    expect((await verifierFor(rsa.public_spki_pem).verify(await signer.authorization())).ok).toBe(true)
  })

  it('a custom scheme works end to end, and only with a verifier of that scheme', async () => {
    const signer = createSigner({ username: 'guido', privateKey: ed.private_openssh, scheme: 'Ajwt', now: () => NOW })
    const header = await signer.authorization()
    expect(header.startsWith('Ajwt ')).toBe(true)
    const result = await verifierFor(ed.public_openssh, { scheme: 'AJWT' }).verify(header)
    expect(result.ok && result.auth.username).toBe('guido')
    const other = await verifierFor(ed.public_openssh).verify(header)
    expect(other.ok ? 'accepted' : other.error.code).toBe('invalid_scheme')
    const jwtHeader = await createSigner({ username: 'guido', privateKey: ed.private_openssh, now: () => NOW }).authorization()
    const wrong = await verifierFor(ed.public_openssh, { scheme: 'Ajwt' }).verify(jwtHeader)
    expect(wrong.ok ? 'accepted' : wrong.error.code).toBe('invalid_scheme')
  })

  it('refuses bad options at once with invalid_options', async () => {
    const privateKey = ed.private_pkcs8_pem
    for (const username of ['', 'x'.repeat(257), 42, undefined]) {
      await expectAjwtError(() => createSigner({ username: username as string, privateKey }), 'invalid_options', /username/)
    }
    await expectAjwtError(() => createSigner({ username: 'guido', privateKey: undefined as unknown as string }), 'invalid_options', /privateKey/)
    for (const scheme of ['', 'JWT token', 'J W T', 'JWT\n', 'Bearer,JWT']) {
      await expectAjwtError(() => createSigner({ username: 'guido', privateKey, scheme }), 'invalid_options', /scheme/)
    }
    expect(() => createSigner({ username: 'x'.repeat(256), privateKey })).not.toThrow()
  })

  it('a bad key fails each token() with invalid_key, and is not cached', async () => {
    let attempts = 0
    const signer = createSigner({
      username: 'guido',
      get privateKey() {
        attempts++
        return attempts === 1 ? 'not a key' : ed.private_pkcs8_pem
      },
    } as unknown as Parameters<typeof createSigner>[0])
    attempts = 0
    await expectAjwtError(() => signer.token(), 'invalid_key', /unrecognised private key/)
    const token = await signer.token()
    expect(decodeProtectedHeader(token).kid).toBe(ed.kid)
  })
})

describe('createSigner: fetch against a real HTTP server', () => {
  let server: Server
  let url: string
  const seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: string }> = []

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = ''
      req.setEncoding('utf8')
      req.on('data', (chunk: string) => (body += chunk))
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body })
        res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' }).end('ok')
      })
    })
    server.requestTimeout = 5_000
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  it('sends a fresh Authorization header on every call, each accepted once by a verifier', async () => {
    seen.length = 0
    const signer = createSigner({ username: 'guido', privateKey: ed.private_pkcs8_pem })
    for (let i = 0; i < 3; i++) {
      const res = await signer.fetch(`${url}/items/${i}`)
      expect(res.status).toBe(200)
      expect(await res.text()).toBe('ok')
    }
    const headers = seen.map((s) => s.headers.authorization!)
    expect(new Set(headers).size).toBe(3)
    const verifier = verifierFor(ed.public_spki_pem, { now: () => Date.now() / 1000 })
    for (const header of headers) {
      expect((await verifier.verify(header)).ok).toBe(true)
      expect((await verifier.verify(header)).ok).toBe(false)
    }
  })

  it('keeps the method, body and other headers, from init or from a Request', async () => {
    seen.length = 0
    const signer = createSigner({ username: 'guido', privateKey: rsa.private_pkcs8_pem })
    await signer.fetch(`${url}/a`, { method: 'POST', body: '{"n":1}', headers: { 'x-trace': 't1', authorization: 'Basic old' } })
    await signer.fetch(new Request(`${url}/b`, { method: 'PUT', body: 'put-body', headers: { 'x-trace': 't2' } }))
    await signer.fetch(new URL(`${url}/c?q=1`), { headers: new Headers({ 'x-trace': 't3' }) })
    expect(seen.map((s) => [s.method, s.url, s.body, s.headers['x-trace']])).toEqual([
      ['POST', '/a', '{"n":1}', 't1'],
      ['PUT', '/b', 'put-body', 't2'],
      ['GET', '/c?q=1', '', 't3'],
    ])
    for (const s of seen) expect(s.headers.authorization).toMatch(/^JWT ey/)
  })

  it('uses the fetch it is given', async () => {
    const requests: Request[] = []
    const signer = createSigner({
      username: 'guido',
      privateKey: ed.private_pkcs8_pem,
      fetch: async (input, init) => {
        requests.push(new Request(input, init))
        return new Response('mine')
      },
    })
    expect(await (await signer.fetch('https://api.example.invalid/x')).text()).toBe('mine')
    expect(requests[0]!.headers.get('authorization')).toMatch(/^JWT ey/)
  })
})
