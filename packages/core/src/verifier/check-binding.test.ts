import { createHash } from 'node:crypto'
import { decodeJwt } from 'jose'
import { describe, expect, it } from 'vitest'
import { expectAjwtError, headerFor, NOW, RecordingNonceStore, signToken, vectors } from '../../test/helpers.ts'
import { createAuthenticator } from '../authenticate/create-authenticator.ts'
import { checkBody } from '../binding/check-body.ts'
import type { BindingRequest } from '../binding/types.ts'
import type { AjwtErrorCode } from '../errors/ajwt-error.ts'
import { generateKeyPair } from '../keys/generate-key-pair.ts'
import { createSigner } from '../signer/create-signer.ts'
import { MemoryKeyStore } from '../stores/memory-key-store.ts'
import { MemoryNonceStore } from '../stores/memory-nonce-store.ts'
import type { NonceStore } from '../stores/types.ts'
import { createVerifier } from './create-verifier.ts'
import type { Verifier, VerifierOptions, VerifyResult } from './types.ts'

const pair = await generateKeyPair()
const rsaPair = await generateKeyPair('rsa')
const signer = createSigner({ username: 'billing', privateKey: pair.privateKey, now: () => NOW })

function verifierWith(options: Partial<VerifierOptions> = {}, nonces: NonceStore = new MemoryNonceStore()): Verifier {
  return createVerifier({
    keys: new MemoryKeyStore({ billing: [pair.publicKey, rsaPair.publicKey], guido: [vectors.keys.ed25519.public_spki_pem] }),
    nonces,
    now: () => NOW,
    ...options,
  })
}

async function codeOf(verdict: Promise<VerifyResult>): Promise<AjwtErrorCode | 'ok'> {
  const result = await verdict
  return result.ok ? 'ok' : result.error.code
}

async function detailOf(verdict: Promise<VerifyResult>): Promise<string> {
  const result = await verdict
  return result.ok ? 'ok' : result.error.detail
}

const API = 'https://api.example.com'
const body = JSON.stringify({ amount: 12, currency: 'EUR' })
const post = { method: 'POST', url: `${API}/v1/invoices?draft=1&n=2`, body }
/** What the server receives for `post`. */
const received: BindingRequest = { method: 'POST', url: `${API}/v1/invoices?draft=1&n=2`, hasBody: true }
const get = { method: 'GET', url: `${API}/v1/invoices` }
const receivedGet: BindingRequest = { method: 'GET', url: `${API}/v1/invoices`, hasBody: false }

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url')

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text()
}

describe('request binding: the signer’s claims', () => {
  it('token(request) binds method, URL, query and body; token() stays the reference’s', async () => {
    const claims = decodeJwt(await signer.token(post))
    expect(claims).toEqual({
      username: 'billing',
      time: NOW,
      nonce: claims.nonce,
      htm: 'POST',
      htu: `${API}/v1/invoices`,
      htq: sha256('draft=1&n=2'),
      htb: sha256(body),
    })
    expect(Object.keys(decodeJwt(await signer.token())).sort()).toEqual(['nonce', 'time', 'username'])
    expect(Object.keys(decodeJwt(await signer.token(get))).sort()).toEqual(['htm', 'htu', 'nonce', 'time', 'username'])
  })
})

describe('request binding: a bound token at its own request', () => {
  it('is accepted, with auth.binding for the body check', async () => {
    const result = await verifierWith().verify(await signer.authorization(post), received)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.auth.binding).toEqual({ htb: sha256(body), maxBodyBytes: 16 * 1024 * 1024 })
    expect(await readAll(checkBody(new Response(body).body!, result.auth))).toBe(body)
  })

  it('a GET without a body is accepted and binds "no body"', async () => {
    const result = await verifierWith().verify(await signer.authorization(get), receivedGet)
    expect(result.ok && result.auth.binding).toEqual({ htb: undefined, maxBodyBytes: 16 * 1024 * 1024 })
  })

  it('matches the method case-insensitively, the origin as RFC 9449 normalises it', async () => {
    const verifier = verifierWith()
    expect(await codeOf(verifier.verify(await signer.authorization({ ...post, method: 'post' }), received))).toBe('ok')
    for (const url of ['HTTPS://API.Example.COM:443/v1/invoices?draft=1&n=2', 'https://api.example.com:/v1/invoices?draft=1&n=2']) {
      expect(await codeOf(verifier.verify(await signer.authorization(post), { ...received, url })), url).toBe('ok')
    }
    const signed = await signer.authorization({ ...post, url: 'HTTPS://API.EXAMPLE.COM:443/v1/invoices?draft=1&n=2#frag' })
    expect(await codeOf(verifier.verify(signed, received))).toBe('ok')
    const root = await signer.authorization({ method: 'GET', url: 'https://api.example.com' })
    expect(decodeJwt(root.slice(4)).htu).toBe('https://api.example.com/')
    expect(await codeOf(verifier.verify(root, { method: 'GET', url: 'https://api.example.com/' }))).toBe('ok')
    const port = await signer.authorization({ method: 'GET', url: 'http://h:8080/' })
    expect(await codeOf(verifier.verify(port, { method: 'GET', url: 'http://h:8080' }))).toBe('ok')
  })

  it('an RSA-signed bound token too', async () => {
    const rsaSigner = createSigner({ username: 'billing', privateKey: rsaPair.privateKey, now: () => NOW })
    expect(await codeOf(verifierWith({ binding: 'required' }).verify(await rsaSigner.authorization(post), received))).toBe('ok')
  })
})

describe('request binding: every mismatch has its own code', () => {
  const cases: Array<[string, typeof post | typeof get, BindingRequest, AjwtErrorCode]> = [
    ['another method', post, { ...received, method: 'PUT' }, 'method_mismatch'],
    ['HEAD for a GET', get, { ...receivedGet, method: 'HEAD' }, 'method_mismatch'],
    ['another path', post, { ...received, url: `${API}/v1/invoices/7?draft=1&n=2` }, 'url_mismatch'],
    ['a trailing slash', post, { ...received, url: `${API}/v1/invoices/?draft=1&n=2` }, 'url_mismatch'],
    ['path case', post, { ...received, url: `${API}/v1/Invoices?draft=1&n=2` }, 'url_mismatch'],
    ['a dot segment, not resolved', post, { ...received, url: `${API}/v1/x/../invoices?draft=1&n=2` }, 'url_mismatch'],
    ['another host', post, { ...received, url: 'https://payments.example.com/v1/invoices?draft=1&n=2' }, 'url_mismatch'],
    ['another scheme', post, { ...received, url: 'http://api.example.com/v1/invoices?draft=1&n=2' }, 'url_mismatch'],
    ['another port', post, { ...received, url: 'https://api.example.com:8443/v1/invoices?draft=1&n=2' }, 'url_mismatch'],
    ['an unknown URL', post, { ...received, url: undefined }, 'url_mismatch'],
    ['a relative URL', post, { ...received, url: '/v1/invoices?draft=1&n=2' }, 'url_mismatch'],
    ['user info in the URL', post, { ...received, url: 'https://x@api.example.com/v1/invoices?draft=1&n=2' }, 'url_mismatch'],
    ['a tampered query', post, { ...received, url: `${API}/v1/invoices?draft=0&n=2` }, 'query_mismatch'],
    ['a reordered query', post, { ...received, url: `${API}/v1/invoices?n=2&draft=1` }, 'query_mismatch'],
    ['the query removed (htq, no query)', post, { ...received, url: `${API}/v1/invoices` }, 'query_mismatch'],
    ['an empty query (htq, no query)', post, { ...received, url: `${API}/v1/invoices?` }, 'query_mismatch'],
    ['a query added', get, { ...receivedGet, url: `${API}/v1/invoices?all=1` }, 'query_mismatch'],
    ['a body added to a GET', get, { ...receivedGet, hasBody: true }, 'body_mismatch'],
    ['the body removed', post, { ...received, hasBody: false }, 'body_mismatch'],
  ]
  for (const [name, request, at, code] of cases) {
    it(`${name}: ${code}`, async () => {
      const rejected: string[] = []
      const verifier = verifierWith({ onRejected: (error) => rejected.push(error.code) })
      expect(await codeOf(verifier.verify(await signer.authorization(request), at))).toBe(code)
      expect(rejected).toEqual([code])
    })
  }

  it('a body changed by one byte: the body check fails with body_mismatch', async () => {
    const result = await verifierWith().verify(await signer.authorization(post), received)
    if (!result.ok) throw result.error
    const tampered = body.replace('12', '13')
    await expectAjwtError(() => readAll(checkBody(new Response(tampered).body!, result.auth)), 'body_mismatch', /htb/)
  })

  it('each answers the same 401 as any bad token; nothing tells the client which check failed', async () => {
    const verifier = verifierWith()
    const bodies = new Set<string>()
    for (const at of [{ ...received, method: 'PUT' }, { ...received, url: `${API}/x?draft=1&n=2` }, { ...received, url: `${API}/v1/invoices` }, { ...received, hasBody: false }]) {
      const result = await verifier.verify(await signer.authorization(post), at)
      if (result.ok) throw new Error('accepted')
      expect(result.error.status).toBe(401)
      expect(result.error.headers).toEqual({ 'www-authenticate': 'JWT error="invalid_token"' })
      bodies.add(JSON.stringify(result.error.body))
    }
    const forged = await verifier.verify('JWT a.b.c')
    if (forged.ok) throw new Error('accepted')
    bodies.add(JSON.stringify(forged.error.body))
    expect(bodies.size).toBe(1)
  })

  it('a mismatching use does not consume the genuine request’s token; a bound replay is still "replay"', async () => {
    const verifier = verifierWith()
    const header = await signer.authorization(post)
    expect(await codeOf(verifier.verify(header, { ...received, method: 'DELETE' }))).toBe('method_mismatch')
    expect(await codeOf(verifier.verify(header, { ...received, url: `${API}/v1/refunds?draft=1&n=2` }))).toBe('url_mismatch')
    expect(await codeOf(verifier.verify(header, received))).toBe('ok')
    expect(await codeOf(verifier.verify(header, received))).toBe('replay')
    expect(await codeOf(verifier.verify(header))).toBe('replay')
  })

  it('binding claims of the wrong type: invalid_claims (ignored when binding is off)', async () => {
    const cases: Array<Record<string, unknown>> = [
      { htm: 42 },
      { htm: '' },
      { htm: 'GET POST' },
      { htu: '' },
      { htu: ['https://api.example.com/'] },
      { htq: 'abc' },
      { htq: `${sha256('x')}=` },
      { htb: 123 },
      { htb: null },
      { htm: 'GET', htu: 'https://api.example.com/', htb: { digest: sha256('x') } },
    ]
    for (const claims of cases) {
      const token = `JWT ${signToken(headerFor('ed25519'), { username: 'guido', time: NOW, nonce: `n${Math.random()}`, ...claims }, 'ed25519')}`
      for (const binding of ['if-present', 'required'] as const) {
        expect(await codeOf(verifierWith({ binding }, new RecordingNonceStore()).verify(token, receivedGet)), JSON.stringify(claims)).toBe('invalid_claims')
      }
      expect(await codeOf(verifierWith({}, new RecordingNonceStore()).verify(token)), 'without a request').toBe('invalid_claims')
      expect(await codeOf(verifierWith({ binding: 'off' }, new RecordingNonceStore()).verify(token, receivedGet))).toBe('ok')
    }
  })
})

describe('request binding: policies', () => {
  type Token = 'unbound' | 'bound' | 'bound, other method'
  const tokens: Record<Token, () => Promise<string>> = {
    unbound: () => signer.authorization(),
    bound: () => signer.authorization(post),
    'bound, other method': () => signer.authorization({ ...post, method: 'PUT' }),
  }
  const expected: Record<'off' | 'if-present' | 'required', Record<Token, [withRequest: string, withoutRequest: string]>> = {
    off: { unbound: ['ok', 'ok'], bound: ['ok', 'ok'], 'bound, other method': ['ok', 'ok'] },
    'if-present': { unbound: ['ok', 'ok'], bound: ['ok', 'ok'], 'bound, other method': ['method_mismatch', 'ok'] },
    required: {
      unbound: ['binding_required', 'binding_required'],
      bound: ['ok', 'binding_required'],
      'bound, other method': ['method_mismatch', 'binding_required'],
    },
  }
  for (const [policy, row] of Object.entries(expected) as Array<[keyof typeof expected, (typeof expected)['off']]>) {
    for (const [token, [withRequest, withoutRequest]] of Object.entries(row) as Array<[Token, [string, string]]>) {
      it(`${policy} × ${token}: ${withRequest} with the request, ${withoutRequest} without`, async () => {
        const options = policy === 'if-present' ? {} : { binding: policy }
        expect(await codeOf(verifierWith(options).verify(await tokens[token](), received))).toBe(withRequest)
        expect(await codeOf(verifierWith(options).verify(await tokens[token]()))).toBe(withoutRequest)
      })
    }
  }

  it('a function of the verified username chooses per client: required client by client', async () => {
    const asked: string[] = []
    const binding = (username: string) => {
      asked.push(username)
      return username === 'billing' ? 'required' : 'if-present'
    }
    const verifier = verifierWith({ binding })
    expect(await codeOf(verifier.verify(await signer.authorization(), received))).toBe('binding_required')
    expect(await codeOf(verifier.verify(await signer.authorization(post), received))).toBe('ok')
    const guido = `JWT ${signToken(headerFor('ed25519'), { username: 'guido', time: NOW, nonce: 'n-guido' }, 'ed25519')}`
    expect(await codeOf(verifier.verify(guido, received))).toBe('ok')
    expect(asked).toEqual(['billing', 'billing', 'guido'])
    // Asked only once the signature is good: a forged token for another user never reaches it.
    const forged = `JWT ${signToken(headerFor('ed25519'), { username: 'billing', time: NOW, nonce: 'n-forged' }, 'ed25519')}`
    expect(await codeOf(verifier.verify(forged, received))).toBe('invalid_signature')
    expect(asked).toHaveLength(3)
  })

  it('a per-client policy that is not off or if-present counts as required; off ignores the claims', async () => {
    const typo = verifierWith({ binding: () => 'requried' as never })
    expect(await codeOf(typo.verify(await signer.authorization(), received))).toBe('binding_required')
    const off = verifierWith({ binding: () => 'off' })
    expect(await codeOf(off.verify(await signer.authorization({ ...post, method: 'PUT' }), received))).toBe('ok')
  })

  it('the default is if-present; off sets no auth.binding', async () => {
    expect(await codeOf(verifierWith().verify(await signer.authorization({ ...post, method: 'PUT' }), received))).toBe('method_mismatch')
    const off = await verifierWith({ binding: 'off' }).verify(await signer.authorization(post), received)
    expect(off.ok && off.auth.binding).toBeUndefined()
    const unbound = await verifierWith().verify(await signer.authorization(), received)
    expect(unbound.ok && 'binding' in unbound.auth).toBe(false)
  })

  it('if-present without a request: the claims are not compared, but auth.binding still lets checkBody check the body', async () => {
    const result = await verifierWith().verify(await signer.authorization(post))
    if (!result.ok) throw result.error
    await expectAjwtError(() => readAll(checkBody(new Response('{}').body!, result.auth)), 'body_mismatch')
  })

  it('required without a request: binding_required, saying that the adapter passed none', async () => {
    const verifier = verifierWith({ binding: 'required' })
    expect(await detailOf(verifier.verify(await signer.authorization(post)))).toMatch(/given no request \(the adapter passed none\)/)
    expect(await detailOf(verifier.verify(await signer.authorization()))).toMatch(/given no request/)
  })

  it('required: a token that binds only part of the request is refused', async () => {
    const nonces = new RecordingNonceStore()
    const verifier = verifierWith({ binding: 'required' }, nonces)
    const token = (claims: Record<string, unknown>) =>
      `JWT ${signToken(headerFor('ed25519'), { username: 'guido', time: NOW, nonce: `n${Math.random()}`, ...claims }, 'ed25519')}`
    expect(await detailOf(verifier.verify(token({ htm: 'GET' }), receivedGet))).toMatch(/does not bind the URL/)
    expect(await detailOf(verifier.verify(token({ htu: `${API}/v1/invoices` }), receivedGet))).toMatch(/does not bind the method/)
    expect(await codeOf(verifier.verify(token({ htb: sha256(body) }), received))).toBe('binding_required')
    expect(await codeOf(verifier.verify(token({ htm: 'GET', htu: `${API}/v1/invoices` }), receivedGet))).toBe('ok')
    expect(nonces.calls).toHaveLength(1)
  })

  it('required: a query the token does not bind, or a body, is refused', async () => {
    const verifier = verifierWith({ binding: 'required' })
    expect(await codeOf(verifier.verify(await signer.authorization(get), { ...receivedGet, url: `${API}/v1/invoices?x=1` }))).toBe('query_mismatch')
    expect(await codeOf(verifier.verify(await signer.authorization(get), { ...receivedGet, hasBody: true }))).toBe('body_mismatch')
  })

  it('if-present: a token with only some binding claims is checked on those', async () => {
    const nonces = new RecordingNonceStore()
    const verifier = verifierWith({}, nonces)
    const token = (claims: Record<string, unknown>) =>
      `JWT ${signToken(headerFor('ed25519'), { username: 'guido', time: NOW, nonce: `n${Math.random()}`, ...claims }, 'ed25519')}`
    // htb alone binds the body, not the query or the method.
    const onlyBody = await verifier.verify(token({ htb: sha256(body) }), { method: 'PATCH', url: `${API}/anything?x=1`, hasBody: true })
    expect(onlyBody.ok && onlyBody.auth.binding).toEqual({ htb: sha256(body), maxBodyBytes: 16 * 1024 * 1024 })
    expect(await codeOf(verifier.verify(token({ htb: sha256(body) }), { ...received, hasBody: false }))).toBe('body_mismatch')
    // htq alone binds the query.
    expect(await codeOf(verifier.verify(token({ htq: sha256('a=1') }), { method: 'GET', url: `${API}/x?a=1` }))).toBe('ok')
    expect(await codeOf(verifier.verify(token({ htq: sha256('a=1') }), { method: 'GET', url: `${API}/x?a=2` }))).toBe('query_mismatch')
    // htm alone binds the method, and says: no query, no body.
    expect(await codeOf(verifier.verify(token({ htm: 'DELETE' }), { method: 'DELETE', url: `${API}/x` }))).toBe('ok')
    expect(await codeOf(verifier.verify(token({ htm: 'DELETE' }), { method: 'DELETE', url: `${API}/x?all=1` }))).toBe('query_mismatch')
  })

  it('hasBody left out: the body is checked only by checkBody', async () => {
    const verifier = verifierWith()
    const result = await verifier.verify(await signer.authorization(get), { method: 'GET', url: `${API}/v1/invoices` })
    if (!result.ok) throw result.error
    await expectAjwtError(() => readAll(checkBody(new Response('smuggled').body!, result.auth)), 'body_mismatch', /without a body/)
  })
})

describe('request binding: origins', () => {
  const billingA = 'https://billing.example.com'
  const ledgerB = 'https://ledger.example.com'

  it('a token for service A is refused at service B, whatever Host the request carries', async () => {
    const atA = verifierWith({ origins: [billingA] })
    const atB = verifierWith({ origins: [ledgerB] })
    const request = { method: 'POST', url: `${billingA}/v1/charge`, body: 'x' }
    const header = await signer.authorization(request)
    // The attacker replays it at B with A's Host header, or with B's own.
    expect(await codeOf(atB.verify(header, { method: 'POST', url: `${billingA}/v1/charge`, hasBody: true }))).toBe('url_mismatch')
    expect(await codeOf(atB.verify(header, { method: 'POST', url: `${ledgerB}/v1/charge`, hasBody: true }))).toBe('url_mismatch')
    expect(await codeOf(atA.verify(header, { method: 'POST', url: `${billingA}/v1/charge`, hasBody: true }))).toBe('ok')
  })

  it('without origins, a replay at another service with a forged Host is NOT caught (why origins should be set)', async () => {
    const header = await signer.authorization({ method: 'GET', url: `${billingA}/v1/balance` })
    const atB = verifierWith()
    expect(await codeOf(atB.verify(header, { method: 'GET', url: `${billingA}/v1/balance` }))).toBe('ok')
  })

  it('behind a load balancer: the app sees an internal URL, the token names the public origin', async () => {
    const verifier = verifierWith({ origins: [API] })
    const header = await signer.authorization(post)
    expect(await codeOf(verifier.verify(header, { ...received, url: 'http://10.0.0.7:8080/v1/invoices?draft=1&n=2' }))).toBe('ok')
    expect(await codeOf(verifier.verify(await signer.authorization(post), { ...received, url: 'http://10.0.0.7:8080/v1/other?draft=1&n=2' }))).toBe('url_mismatch')
  })

  it('several origins; given in any case, with a default port or a trailing slash', async () => {
    const verifier = verifierWith({ origins: ['HTTPS://API.Example.com:443/', 'https://api.example.net', 'http://localhost:3000'] })
    for (const origin of [API, 'https://api.example.net', 'http://localhost:3000']) {
      const header = await signer.authorization({ method: 'GET', url: `${origin}/v1/invoices` })
      expect(await codeOf(verifier.verify(header, { method: 'GET', url: 'http://internal/v1/invoices' })), origin).toBe('ok')
    }
    const other = await signer.authorization({ method: 'GET', url: 'http://localhost:3001/v1/invoices' })
    expect(await codeOf(verifier.verify(other, { method: 'GET', url: 'http://localhost:3001/v1/invoices' }))).toBe('url_mismatch')
  })

  it('an internationalised origin is compared in punycode, as clients send it', async () => {
    const verifier = verifierWith({ origins: ['https://bücher.example'] })
    const header = await signer.authorization({ method: 'GET', url: 'https://bücher.example/x' })
    expect(decodeJwt(header.slice(4)).htu).toBe('https://xn--bcher-kva.example/x')
    expect(await codeOf(verifier.verify(header, { method: 'GET', url: 'http://internal/x' }))).toBe('ok')
  })
})

describe('request binding: pathPrefix', () => {
  const gateway = 'https://gw.example.com'
  const verifier = () => verifierWith({ origins: [gateway], pathPrefix: '/billing/' })

  it('a gateway strips /billing: the token names /billing/v1/x, the app sees /v1/x', async () => {
    const header = await signer.authorization({ method: 'GET', url: `${gateway}/billing/v1/x?y=1` })
    expect(await codeOf(verifier().verify(header, { method: 'GET', url: 'http://app:8080/v1/x?y=1' }))).toBe('ok')
  })

  it('a token for the stripped path, or another prefix, is refused', async () => {
    for (const path of ['/v1/x', '/ledger/v1/x', '/billingv1/x', '/billing/billing/v1/x']) {
      const header = await signer.authorization({ method: 'GET', url: `${gateway}${path}` })
      expect(await codeOf(verifier().verify(header, { method: 'GET', url: 'http://app:8080/v1/x' })), path).toBe('url_mismatch')
    }
  })

  it('the prefix itself, with or without its slash, is the app’s root', async () => {
    for (const path of ['/billing', '/billing/']) {
      const header = await signer.authorization({ method: 'GET', url: `${gateway}${path}` })
      expect(await codeOf(verifier().verify(header, { method: 'GET', url: 'http://app:8080/' })), path).toBe('ok')
    }
  })
})

describe('request binding: trustProxy', () => {
  const internal = 'http://10.0.0.7:8080/v1/invoices'
  const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' }

  it('X-Forwarded-* are ignored by default', async () => {
    const header = await signer.authorization(get)
    expect(await codeOf(verifierWith().verify(header, { method: 'GET', url: internal, headers: forwarded }))).toBe('url_mismatch')
    const forged = await signer.authorization({ method: 'GET', url: 'http://10.0.0.7:8080/v1/invoices' })
    expect(await codeOf(verifierWith().verify(forged, { method: 'GET', url: internal, headers: { 'x-forwarded-host': 'evil.example' } }))).toBe('ok')
  })

  it('with trustProxy, the first X-Forwarded-Proto and X-Forwarded-Host value name the origin', async () => {
    const verifier = verifierWith({ trustProxy: true })
    const headerSets: BindingRequest['headers'][] = [
      forwarded,
      new Headers(forwarded),
      { 'x-forwarded-proto': 'https, http', 'x-forwarded-host': ['API.example.com:443, 10.0.0.7:8080'] },
    ]
    for (const headers of headerSets) {
      expect(await codeOf(verifier.verify(await signer.authorization(get), { method: 'GET', url: internal, headers }))).toBe('ok')
    }
    expect(await codeOf(verifier.verify(await signer.authorization(get), { method: 'GET', url: internal }))).toBe('url_mismatch')
    const evil = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' }
    expect(await codeOf(verifier.verify(await signer.authorization(get), { method: 'GET', url: internal, headers: evil }))).toBe('url_mismatch')
    const garbage = { 'x-forwarded-proto': 'gopher', 'x-forwarded-host': 'api.example.com' }
    expect(await codeOf(verifier.verify(await signer.authorization(get), { method: 'GET', url: internal, headers: garbage }))).toBe('url_mismatch')
  })

  it('only the missing part falls back to the URL', async () => {
    const verifier = verifierWith({ trustProxy: true })
    const header = await signer.authorization({ method: 'GET', url: 'https://10.0.0.7:8080/v1/invoices' })
    expect(await codeOf(verifier.verify(header, { method: 'GET', url: internal, headers: { 'x-forwarded-proto': 'https' } }))).toBe('ok')
  })

  it('origins win over trustProxy', async () => {
    const verifier = verifierWith({ trustProxy: true, origins: [API] })
    const evil = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' }
    const header = await signer.authorization({ method: 'GET', url: 'https://evil.example/v1/invoices' })
    expect(await codeOf(verifier.verify(header, { method: 'GET', url: internal, headers: evil }))).toBe('url_mismatch')
  })
})

describe('request binding: options', () => {
  const keys = new MemoryKeyStore({})
  const nonces = new MemoryNonceStore()

  it('refuses bad binding options with invalid_options', async () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ binding: 'maybe' }, /binding must be/],
      [{ binding: true }, /binding must be/],
      [{ origins: [] }, /non-empty array/],
      [{ origins: 'https://api.example.com' }, /non-empty array/],
      [{ origins: ['https://api.example.com/v1'] }, /not an origin/],
      [{ origins: ['https://api.example.com?x'] }, /not an origin/],
      [{ origins: ['https://api.example.com#x'] }, /not an origin/],
      [{ origins: ['https://user@api.example.com'] }, /not an origin/],
      [{ origins: ['api.example.com'] }, /not an origin/],
      [{ origins: ['ftp://api.example.com'] }, /not an http: or https: origin/],
      [{ origins: ['https://'] }, /not an origin/],
      [{ origins: [42] }, /not a string/],
      [{ pathPrefix: 'api' }, /pathPrefix/],
      [{ pathPrefix: '/api?x=1' }, /pathPrefix/],
      [{ pathPrefix: '/a//b' }, /pathPrefix/],
      [{ pathPrefix: '//' }, /pathPrefix/],
      [{ pathPrefix: 42 }, /pathPrefix/],
      [{ trustProxy: 'yes' }, /trustProxy/],
      [{ maxBoundBodyBytes: 0 }, /maxBoundBodyBytes/],
      [{ maxBoundBodyBytes: 1.5 }, /maxBoundBodyBytes/],
      [{ maxBoundBodyBytes: '1000' }, /maxBoundBodyBytes/],
    ]
    for (const [options, message] of bad) {
      await expectAjwtError(() => createVerifier({ keys, nonces, ...options } as VerifierOptions), 'invalid_options', message)
    }
    // Checked even when binding is off.
    await expectAjwtError(() => createVerifier({ keys, nonces, binding: 'off', origins: ['nope'] }), 'invalid_options', /origins/)
  })

  it('maxBoundBodyBytes reaches auth.binding', async () => {
    const result = await verifierWith({ maxBoundBodyBytes: 1024 }).verify(await signer.authorization(post), received)
    expect(result.ok && result.auth.binding?.maxBodyBytes).toBe(1024)
  })

  it('createAuthenticator passes the request through, in required and optional mode', async () => {
    for (const optional of [false, true]) {
      const authenticate = createAuthenticator({ keys: new MemoryKeyStore({ billing: [pair.publicKey] }), nonces: new MemoryNonceStore(), now: () => NOW, optional })
      const tampered = await authenticate(await signer.authorization(post), { ...received, method: 'PUT' })
      expect(tampered.ok ? 'ok' : tampered.error.code).toBe('method_mismatch')
      expect((await authenticate(await signer.authorization(post), received)).ok).toBe(true)
    }
  })
})

describe('request binding: the hot path', () => {
  it('an unbound token under if-present reads nothing of the request', async () => {
    const reads: PropertyKey[] = []
    const request = new Proxy({ method: 'GET', url: `${API}/`, headers: {}, hasBody: false } as BindingRequest, {
      get(target, property) {
        reads.push(property)
        return Reflect.get(target, property)
      },
    })
    const result = await verifierWith().verify(await signer.authorization(), request)
    expect(result.ok).toBe(true)
    expect(reads).toEqual([])
  })
})

describe('request binding: the URL compared in place (origins, no pathPrefix) agrees with the full check', () => {
  // htu is signed as given (a hostile or broken signer), the request URL is what the server received.
  const cases: [htu: string, url: string, htq: string | undefined, expected: AjwtErrorCode | 'ok'][] = [
    [`${API}/v1/x`, `${API}/v1/x`, undefined, 'ok'],
    [`${API}/v1/x`, `${API}/v1/x?a=1`, sha256('a=1'), 'ok'],
    [`${API}/v1/x`, `${API}/v1/x?a=1`, undefined, 'query_mismatch'],
    [`${API}/v1/x`, `${API}/v1/x?`, undefined, 'ok'],
    [`${API}/v1/x`, `${API}/v1/xy`, undefined, 'url_mismatch'],
    [`${API}/v1/x`, `${API}/v1/x/`, undefined, 'url_mismatch'],
    [`${API}/v1/x?a=1`, `${API}/v1/x?a=1`, undefined, 'url_mismatch'],
    [`${API}/v1/x#f`, `${API}/v1/x#f`, undefined, 'url_mismatch'],
    [`${API}/v1/x`, `${API}/v1/x#f`, undefined, 'ok'],
    [`${API}/v1/x`, `https://other.example.com/v1/x`, undefined, 'ok'],
    [`https://other.example.com/v1/x`, `https://other.example.com/v1/x`, undefined, 'url_mismatch'],
    [`${API}`, `${API}`, undefined, 'url_mismatch'],
    [`${API}/`, `${API}`, undefined, 'ok'],
    [`${API}.evil.com/v1/x`, `${API}.evil.com/v1/x`, undefined, 'url_mismatch'],
    [`HTTPS://api.example.com/v1/x`, `HTTPS://api.example.com/v1/x`, undefined, 'url_mismatch'],
  ]
  it.each(cases)('htu %s at %s', async (htu, url, htq, expected) => {
    const claims = { username: 'guido', time: NOW, nonce: `n-${htu}-${url}`, htm: 'GET', htu, ...(htq ? { htq } : {}) }
    const token = signToken(headerFor('ed25519'), claims, 'ed25519')
    const verdict = verifierWith({ origins: [API] }).verify(`JWT ${token}`, { method: 'GET', url, hasBody: false })
    expect(await codeOf(verdict)).toBe(expected)
  })
})
