import { generateKeyPairSync } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ajwt, expectCleanFailure, printedKid, tempDir, tokenHeader } from '../../test/cli.ts'

interface Vectors {
  keys: Record<string, { public_spki_pem: string; public_openssh: string; kid: string; private_pkcs8_pem_encrypted?: string; passphrase?: string }>
  cases: { name: string; token: string; verify_with: string; now: number; expect: 'accept' | 'reject' }[]
}
const vectors = JSON.parse(
  await readFile(new URL('../../test/fixtures/reference-vectors.json', import.meta.url), 'utf8'),
) as Vectors

let tmp: Awaited<ReturnType<typeof tempDir>>
beforeAll(async () => {
  tmp = await tempDir()
})
afterAll(() => tmp.remove())

describe.each([
  { type: 'ed25519', alg: 'EdDSA' },
  { type: 'rsa', alg: 'RS512' },
])('keygen → sign → verify ($type)', ({ type, alg }) => {
  let key: string
  let kid: string
  beforeAll(async () => {
    key = tmp.path(`round-${type}`)
    const made = await ajwt(['keygen', '--type', type, '--out', key])
    expect(made.code, made.stderr).toBe(0)
    kid = printedKid(made.stdout)
  })

  it('signs a fresh token whose header carries the kid keygen printed', async () => {
    const before = Math.floor(Date.now() / 1000)
    const signed = await ajwt(['sign', '--key', key, '--user', 'guido'])
    expect(signed.code, signed.stderr).toBe(0)
    const token = signed.stdout.trim()
    expect(tokenHeader(token)).toEqual({ alg, typ: 'JWT', kid })
    const verified = await ajwt(['verify', '--pubkey', `${key}.pub`, '--user', 'guido', token])
    expect(verified.code, verified.stderr).toBe(0)
    const claims = JSON.parse(verified.stdout) as { username: string; time: number; nonce: string }
    expect(claims.username).toBe('guido')
    expect(claims.time).toBeGreaterThanOrEqual(before)
    expect(claims.time).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000))
    expect(claims.nonce.length).toBeGreaterThanOrEqual(22)
    expect(verified.stderr).toBe('')
  })

  it('makes a new nonce every time and prints the whole Authorization value with --header', async () => {
    const a = await ajwt(['sign', '--key', key, '--user', 'guido', '--header'])
    const b = await ajwt(['sign', '--key', key, '--user', 'guido', '--header'])
    expect(a.stdout).toMatch(/^JWT [\w-]+\.[\w-]+\.[\w-]+\n$/)
    expect(a.stdout).not.toBe(b.stdout)
    const verified = await ajwt(['verify', '--pubkey', `${key}.pub`, '-'], { input: a.stdout })
    expect(verified.code, verified.stderr).toBe(0)
    expect(JSON.parse(verified.stdout)).toMatchObject({ username: 'guido' })
  })

  it('rejects the token outside the clock tolerance with the reason, and accepts it inside', async () => {
    const token = (await ajwt(['sign', '--key', key, '--user', 'guido'])).stdout.trim()
    const time = Math.floor(Date.now() / 1000)
    const late = await ajwt(['verify', '--pubkey', `${key}.pub`, '--now', String(time + 120), token])
    expectCleanFailure(late, 1, /^ajwt verify: rejected: invalid_time: "time" is 1[12]\d s from the server clock \(tolerance 20 s\)$/)
    const tolerant = await ajwt(['verify', '--pubkey', `${key}.pub`, '--now', String(time + 120), '--tolerance', '300', token])
    expect(tolerant.code, tolerant.stderr).toBe(0)
    const iso = new Date((time - 3600) * 1000).toISOString()
    expectCleanFailure(await ajwt(['verify', '--pubkey', `${key}.pub`, '--now', iso, token]), 1, /rejected: invalid_time/)
  })

  it('rejects a token of another user, another key, or a changed payload', async () => {
    const token = (await ajwt(['sign', '--key', key, '--user', 'guido'])).stdout.trim()
    expectCleanFailure(await ajwt(['verify', '--pubkey', `${key}.pub`, '--user', 'mallory', token]), 1, /rejected: unknown_user/)
    const other = tmp.path(`other-${type}`)
    await ajwt(['keygen', '--type', type, '--out', other])
    expectCleanFailure(await ajwt(['verify', '--pubkey', `${other}.pub`, token]), 1, /rejected: invalid_signature/)
    // Two keys: the token's kid selects the right one.
    expect((await ajwt(['verify', '--pubkey', `${other}.pub`, '--pubkey', `${key}.pub`, token])).code).toBe(0)
    const [header, , signature] = token.split('.')
    const forged = `${header}.${Buffer.from(JSON.stringify({ username: 'root', time: Math.floor(Date.now() / 1000), nonce: 'x'.repeat(22) })).toString('base64url')}.${signature}`
    expectCleanFailure(await ajwt(['verify', '--pubkey', `${key}.pub`, forged]), 1, /rejected: invalid_signature/)
    expectCleanFailure(await ajwt(['verify', '--pubkey', `${key}.pub`, `Bearer ${token}`]), 1, /rejected: invalid_scheme/)
    expectCleanFailure(await ajwt(['verify', '--pubkey', `${key}.pub`, 'not-a-token']), 1, /rejected: malformed/)
  })
})

describe('encrypted private keys', () => {
  const passphrase = 'correct horse battery staple'
  let key: string
  let pub: string
  let kid: string
  beforeAll(async () => {
    const pair = generateKeyPairSync('ed25519', {
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase },
    })
    key = tmp.path('encrypted.pem')
    pub = tmp.path('encrypted.pub.pem')
    await writeFile(key, pair.privateKey, { mode: 0o600 })
    await writeFile(pub, pair.publicKey)
    await writeFile(tmp.path('passphrase'), `${passphrase}\n`)
    await writeFile(tmp.path('wrong'), 'Tr0ub4dor&3\n')
    kid = (await ajwt(['fingerprint', pub])).stdout.trim()
  })

  it('signs with --passphrase-file (its trailing newline is not part of the passphrase)', async () => {
    const signed = await ajwt(['sign', '--key', key, '--user', 'ops', '--passphrase-file', tmp.path('passphrase')])
    expect(signed.code, signed.stderr).toBe(0)
    expect(tokenHeader(signed.stdout.trim()).kid).toBe(kid)
    expect((await ajwt(['verify', '--pubkey', pub, '--user', 'ops', signed.stdout.trim()])).code).toBe(0)
    const fingerprint = await ajwt(['fingerprint', '--passphrase-file', tmp.path('passphrase'), key])
    expect(fingerprint.stdout).toBe(`${kid}\n`)
  })

  it('fails in one line on a wrong or missing passphrase', async () => {
    expectCleanFailure(
      await ajwt(['sign', '--key', key, '--user', 'ops', '--passphrase-file', tmp.path('wrong')]),
      1,
      /^ajwt sign: .*encrypted\.pem: wrong passphrase/,
    )
    expectCleanFailure(await ajwt(['sign', '--key', key, '--user', 'ops']), 1, /a passphrase is required/)
    expectCleanFailure(
      await ajwt(['sign', '--key', key, '--user', 'ops', '--passphrase-file', tmp.path('missing')]),
      1,
      /cannot read the passphrase file ".*missing": no such file/,
    )
  })

  it('decrypts the Python reference encrypted RSA key', async () => {
    const rsa = vectors.keys.rsa!
    await writeFile(tmp.path('ref-rsa.pem'), rsa.private_pkcs8_pem_encrypted!)
    await writeFile(tmp.path('ref-pass'), rsa.passphrase!)
    const signed = await ajwt(['sign', '--key', tmp.path('ref-rsa.pem'), '--user', 'guido', '--passphrase-file', tmp.path('ref-pass')])
    expect(signed.code, signed.stderr).toBe(0)
    expect(tokenHeader(signed.stdout.trim()).kid).toBe(rsa.kid)
    const verified = await ajwt(['verify', '--pubkey', '-', signed.stdout.trim()], { input: rsa.public_openssh })
    expect(verified.code, verified.stderr).toBe(0)
  })
})

describe('tokens of the Python reference implementation', () => {
  it.each(vectors.cases)('$name: $expect', async ({ token, verify_with, now, expect: verdict }) => {
    const result = await ajwt(['verify', '--pubkey', '-', '--now', String(now), token], {
      input: vectors.keys[verify_with]!.public_spki_pem,
    })
    if (verdict === 'accept') {
      expect(result.code, result.stderr).toBe(0)
      expect(JSON.parse(result.stdout)).toHaveProperty('username')
    } else {
      expectCleanFailure(result, 1, /^ajwt verify: rejected: [a-z_]+: /)
    }
  })
})
