import { createHash } from 'node:crypto'
import { decodeJwt } from 'jose'
import { describe, expect, it } from 'vitest'
import { expectAjwtError, NOW } from '../../test/helpers.ts'
import { generateKeyPair } from '../keys/generate-key-pair.ts'
import { createSigner } from './create-signer.ts'
import type { RequestToSign } from './request-claims.ts'

const pair = await generateKeyPair()
const signer = createSigner({ username: 'billing', privateKey: pair.privateKey, now: () => NOW })
const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('base64url')
const claimsOf = async (request: RequestToSign) => decodeJwt(await signer.token(request))

describe('token(request): the binding claims', () => {
  it('htu per RFC 9449 §4.3: scheme and host lower case, default port omitted, / for an empty path, no query or fragment', async () => {
    const cases: Array<[string | URL, string]> = [
      ['HTTPS://API.Example.COM:443/V1/Invoices?x=1#top', 'https://api.example.com/V1/Invoices'],
      ['http://api.example.com:80', 'http://api.example.com/'],
      ['http://api.example.com:8080?x', 'http://api.example.com:8080/'],
      ['https://user:pw@api.example.com/a', 'https://api.example.com/a'],
      ['https://api.example.com/a b/ä/%7e', 'https://api.example.com/a%20b/%C3%A4/%7e'],
      ['https://api.example.com/a/./b/../c', 'https://api.example.com/a/c'],
      ['http://[0:0::1]:3000/x', 'http://[::1]:3000/x'],
      [new URL('https://api.example.com/from-url?q'), 'https://api.example.com/from-url'],
    ]
    for (const [url, htu] of cases) expect((await claimsOf({ method: 'GET', url })).htu, String(url)).toBe(htu)
  })

  it('htm is the method upper case', async () => {
    expect((await claimsOf({ method: 'patch', url: 'https://h/' })).htm).toBe('PATCH')
    expect((await claimsOf({ method: 'PROPFIND', url: 'https://h/' })).htm).toBe('PROPFIND')
  })

  it('htq: the query as the URL serializes it, only when not empty', async () => {
    expect((await claimsOf({ method: 'GET', url: 'https://h/x?b=2&a=1 2' })).htq).toBe(sha256('b=2&a=1%202'))
    expect((await claimsOf({ method: 'GET', url: 'https://h/x?é=ü' })).htq).toBe(sha256('%C3%A9=%C3%BC'))
    for (const url of ['https://h/x', 'https://h/x?', 'https://h/x?#frag']) expect(await claimsOf({ method: 'GET', url }), url).not.toHaveProperty('htq')
  })

  it('htb: the body bytes as fetch sends them, only when not empty', async () => {
    const bytes = new Uint8Array([0, 1, 2, 255])
    const cases: Array<[RequestToSign['body'], string]> = [
      ['{"a":"é"}', sha256('{"a":"é"}')],
      [bytes, sha256(bytes)],
      [bytes.buffer, sha256(bytes)],
      [Buffer.from('buffer'), sha256('buffer')],
      [new Blob(['blob ', 'parts']), sha256('blob parts')],
      [new URLSearchParams({ a: '1 2', b: 'ü&' }), sha256('a=1+2&b=%C3%BC%26')],
    ]
    for (const [body, htb] of cases) expect((await claimsOf({ method: 'POST', url: 'https://h/', body })).htb).toBe(htb)
    for (const body of [undefined, null, '', new Uint8Array(0), new Blob([])]) {
      expect(await claimsOf({ method: 'POST', url: 'https://h/', body }), String(body)).not.toHaveProperty('htb')
    }
  })

  it('adds nothing else: no aud, no iat (PyJWT would refuse them)', async () => {
    const claims = await claimsOf({ method: 'POST', url: 'https://h/x?y', body: 'z' })
    expect(Object.keys(claims).sort()).toEqual(['htb', 'htm', 'htq', 'htu', 'nonce', 'time', 'username'])
    expect(Object.keys(decodeJwt(await signer.token())).sort()).toEqual(['nonce', 'time', 'username'])
  })

  it('authorization(request) is "JWT <bound token>"', async () => {
    const header = await signer.authorization({ method: 'DELETE', url: 'https://h/x/1' })
    expect(header.startsWith('JWT ')).toBe(true)
    expect(decodeJwt(header.slice(4))).toMatchObject({ htm: 'DELETE', htu: 'https://h/x/1' })
  })

  it('refuses what cannot be bound, with invalid_options', async () => {
    await expectAjwtError(() => signer.token({ method: 'GET', url: '/relative' }), 'invalid_options', /absolute http/)
    await expectAjwtError(() => signer.token({ method: 'GET', url: 'ftp://h/' }), 'invalid_options', /absolute http/)
    await expectAjwtError(() => signer.token({ method: 'GET', url: 42 as unknown as string }), 'invalid_options', /absolute http/)
    await expectAjwtError(() => signer.token({ method: 'GET POST', url: 'https://h/' }), 'invalid_options', /method/)
    await expectAjwtError(() => signer.token({ method: '', url: 'https://h/' }), 'invalid_options', /method/)
    await expectAjwtError(() => signer.token('https://h/' as unknown as RequestToSign), 'invalid_options', /method, url/)
    const form = new FormData()
    form.append('a', '1')
    await expectAjwtError(() => signer.token({ method: 'POST', url: 'https://h/', body: form }), 'invalid_options', /FormData.*signer\.fetch/)
    const stream = new Response('x').body!
    await expectAjwtError(() => signer.token({ method: 'POST', url: 'https://h/', body: stream }), 'invalid_options', /ReadableStream/)
    expect(stream.locked).toBe(false)
    await expectAjwtError(() => signer.token({ method: 'POST', url: 'https://h/', body: 42 as unknown as string }), 'invalid_options', /body must be/)
  })

  it('maxBodyBytes bounds the body (and is checked at creation)', async () => {
    const small = createSigner({ username: 'billing', privateKey: pair.privateKey, maxBodyBytes: 4 })
    expect(decodeJwt(await small.token({ method: 'POST', url: 'https://h/', body: 'four' })).htb).toBe(sha256('four'))
    await expectAjwtError(() => small.token({ method: 'POST', url: 'https://h/', body: 'fives' }), 'invalid_options', /maxBodyBytes \(4 bytes\)/)
    await expectAjwtError(() => small.token({ method: 'POST', url: 'https://h/', body: new Blob(['fives']) }), 'invalid_options', /maxBodyBytes/)
    for (const maxBodyBytes of [-1, 1.5, Number.NaN, '10']) {
      await expectAjwtError(
        () => createSigner({ username: 'billing', privateKey: pair.privateKey, maxBodyBytes: maxBodyBytes as number }),
        'invalid_options',
        /maxBodyBytes/,
      )
    }
  })
})
