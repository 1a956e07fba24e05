import { generateKeyPairSync } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ajwt, expectCleanFailure, tempDir, type CliResult } from '../test/cli.ts'
import { quotesKeyMaterial } from './keys.ts'

let tmp: Awaited<ReturnType<typeof tempDir>>
beforeAll(async () => {
  tmp = await tempDir()
})
afterAll(() => tmp.remove())

const SECRET = 'SECRETSECRETSECRET'

/** Fails if the CLI printed any 6 characters in a row of `secret`, on stdout or stderr. */
function expectNoSlice(result: CliResult, secret: string): void {
  const printed = result.stdout + result.stderr
  for (let i = 0; i + 6 <= secret.length; i++) {
    expect(printed.includes(secret.slice(i, i + 6)), `printed "${secret.slice(i, i + 6)}" of the key: ${printed}`).toBe(false)
  }
}

describe('no error message quotes key material', () => {
  const real = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })
  const x = real.x!
  const d = real.d!

  // Malformed private JWKs: JSON errors (whose messages quote the text around the error) and bad members.
  const privateFiles: Record<string, [string, string]> = {
    'truncated.jwk': [`{"kty":"OKP","crv":"Ed25519","d":"${SECRET}","x":`, SECRET],
    'bad-d.jwk': [`{"kty":"OKP","crv":"Ed25519","d":"${SECRET}","x":"${x}"}`, SECRET],
    'bad-d-chars.jwk': [`{"kty":"OKP","crv":"Ed25519","d":"${SECRET}!*","x":"${x}"}`, SECRET],
    'unquoted-d.jwk': [`{"kty":"OKP","crv":"Ed25519","d":${SECRET},"x":"${x}"}`, SECRET],
    'missing-comma.jwk': [`{"kty":"OKP","crv":"Ed25519","d":"${d}" "x":"${x}"}`, d],
    'single-quotes.jwk': [`{'kty':'OKP','crv':'Ed25519','d':'${d}','x':'${x}'}`, d],
    'trailing-garbage.jwk': [`{"kty":"OKP","crv":"Ed25519","d":"${d}","x":"${x}"}${d}`, d],
    'control-char.jwk': [`{"kty":"OKP","crv":"Ed25519","d":"${d.slice(0, 20)}\u0001${d.slice(20)}","x":"${x}"}`, d],
    'rsa-bad-d.jwk': [`{"kty":"RSA","n":"${SECRET}","e":"AQAB","d":"${SECRET}"}`, SECRET],
    'damaged.pem': [`-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI${SECRET}\n-----END PRIVATE KEY-----\n`, SECRET],
    'not-base64.pem': [`-----BEGIN PRIVATE KEY-----\n${SECRET}%%\n-----END PRIVATE KEY-----\n`, SECRET],
  }

  beforeAll(async () => {
    for (const [name, [content]] of Object.entries(privateFiles)) await writeFile(tmp.path(name), content)
  })

  for (const [name, [content, secret]] of Object.entries(privateFiles)) {
    it(`sign, request and fingerprint with ${name}: names the file and the problem, not the bytes`, async () => {
      const path = tmp.path(name)
      const signed = await ajwt(['sign', '--key', path, '--user', 'billing'])
      expectCleanFailure(signed, 1, new RegExp(`^ajwt sign: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `))
      expectNoSlice(signed, secret)

      const piped = await ajwt(['sign', '--key', '-', '--user', 'billing'], { input: content })
      expectCleanFailure(piped, 1, /^ajwt sign: stdin: /)
      expectNoSlice(piped, secret)

      const requested = await ajwt(['request', '--key', path, '--user', 'billing', 'http://127.0.0.1:9/'])
      expectCleanFailure(requested, 1, /^ajwt request: /)
      expectNoSlice(requested, secret)

      const fingerprinted = await ajwt(['fingerprint', path])
      expectCleanFailure(fingerprinted, 1, /^ajwt fingerprint: /)
      expectNoSlice(fingerprinted, secret)
    })
  }

  it('says what kind of problem it is', async () => {
    const truncated = await ajwt(['sign', '--key', tmp.path('truncated.jwk'), '--user', 'billing'])
    expect(truncated.stderr).toMatch(/truncated\.jwk: unreadable private key: the JWK text is not valid JSON\n$/)
    const badD = await ajwt(['sign', '--key', tmp.path('bad-d.jwk'), '--user', 'billing'])
    expect(badD.stderr).toMatch(/bad-d\.jwk: the ed25519 private key could not be imported: its parameters are invalid\n$/)
  })

  it('verify and jwks with malformed public keys', async () => {
    const files: Record<string, string> = {
      'unquoted-x.jwk': `{"kty":"OKP","crv":"Ed25519","x":${SECRET}}`,
      'bad-x.jwk': `{"kty":"OKP","crv":"Ed25519","x":"${SECRET}*"}`,
      'damaged.pub': `-----BEGIN PUBLIC KEY-----\n${SECRET}\n-----END PUBLIC KEY-----\n`,
    }
    for (const [name, content] of Object.entries(files)) {
      await writeFile(tmp.path(name), content)
      const verified = await ajwt(['verify', '--pubkey', tmp.path(name), 'e30.e30.e30'])
      expectCleanFailure(verified, 1, /^ajwt verify: /)
      expectNoSlice(verified, SECRET)
      const published = await ajwt(['jwks', tmp.path(name)])
      expectCleanFailure(published, 1, /^ajwt jwks: /)
      expectNoSlice(published, SECRET)
    }
  })
})

describe('quotesKeyMaterial: the last guard before a message is printed', () => {
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const body = pem.split('\n')[1]!

  it('sees any 6 characters of a PEM body or a JWK member in a message', () => {
    expect(quotesKeyMaterial(`Unexpected token in "${body.slice(10, 16)}"`, pem)).toBe(true)
    expect(quotesKeyMaterial(`..."d":${SECRET.slice(3, 13)}"... is not valid JSON`, `{"d":${SECRET}}`)).toBe(true)
  })

  it('lets through the words and names that messages use', () => {
    const messages = [
      'unsupported PEM block "ENCRYPTED PRIVATE KEY": a private key is needed',
      'unsupported OpenSSH key type ecdsa-sha2-nistp256 (use ssh-ed25519 or ssh-rsa)',
      'unsupported key: kty=EC crv=P-256 (use Ed25519 or RSA)',
      'RSA key of 1024 bits refused: at least 2048 bits are required',
    ]
    const texts = [pem, 'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBA== host', '{"kty":"EC","crv":"P-256"}']
    for (const message of messages) for (const text of texts) expect(quotesKeyMaterial(message, text), message).toBe(false)
  })
})
