import { readFile } from 'node:fs/promises'
import { createLocalJWKSet, importJWK, jwtVerify, type JSONWebKeySet } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ajwt, expectCleanFailure, printedKid, tempDir } from '../../test/cli.ts'

let tmp: Awaited<ReturnType<typeof tempDir>>
beforeAll(async () => {
  tmp = await tempDir()
})
afterAll(() => tmp.remove())

describe('ajwt jwks', () => {
  it('prints a JWKS that jose imports and verifies the tokens of both keys with', async () => {
    const ed = await ajwt(['keygen', '--out', tmp.path('ed')])
    const rsa = await ajwt(['keygen', '--type', 'rsa', '--out', tmp.path('rsa'), '--format', 'pem'])
    // One key as its OpenSSH line, the other as SPKI PEM from stdin.
    const pem = rsa.stdout.replace(/kid: .*\n$/, '')
    const result = await ajwt(['jwks', tmp.path('ed.pub'), '-'], { input: pem })
    expect(result.code, result.stderr).toBe(0)
    const jwks = JSON.parse(result.stdout) as JSONWebKeySet
    expect(jwks.keys.map((k) => k.kid)).toEqual([printedKid(ed.stdout), printedKid(rsa.stdout)])
    expect(jwks.keys.map((k) => [k.kty, k.alg, k.use])).toEqual([
      ['OKP', 'EdDSA', 'sig'],
      ['RSA', 'RS512', 'sig'],
    ])
    for (const jwk of jwks.keys) {
      expect(jwk).not.toHaveProperty('d')
      await expect(importJWK(jwk)).resolves.toBeDefined()
    }

    const keySet = createLocalJWKSet(jwks)
    for (const [name, alg] of [['ed', 'EdDSA'], ['rsa', 'RS512']] as const) {
      const token = (await ajwt(['sign', '--key', tmp.path(name), '--user', 'guido'])).stdout.trim()
      const { payload, protectedHeader } = await jwtVerify(token, keySet, { algorithms: [alg] })
      expect(payload).toMatchObject({ username: 'guido' })
      expect(protectedHeader.kid).toBe(jwks.keys[name === 'ed' ? 0 : 1]!.kid)
    }
  })

  it('fails in one line on a missing or malformed key, or a private key, naming the file', async () => {
    expectCleanFailure(await ajwt(['jwks']), 2, /missing PUBKEY/)
    expectCleanFailure(await ajwt(['jwks', tmp.path('nope.pub')]), 1, /cannot read the public key ".*nope\.pub": no such file/)
    await ajwt(['keygen', '--out', tmp.path('k')])
    const mangled = (await readFile(tmp.path('k.pub'), 'utf8')).replace('AAAA', 'AAAB')
    expectCleanFailure(await ajwt(['jwks', '-'], { input: mangled }), 1, /^ajwt jwks: stdin: unreadable public key/)
    expectCleanFailure(await ajwt(['jwks', tmp.path('k')]), 1, /k: this is a private key/)
    expectCleanFailure(await ajwt(['jwks', '-'], { input: 'hello' }), 1, /unrecognised public key/)
  })
})
