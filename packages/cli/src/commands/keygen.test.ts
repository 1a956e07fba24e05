import { createHash, createPublicKey } from 'node:crypto'
import { chmod, readFile, rm, stat } from 'node:fs/promises'
import { importPublicKey } from '@ajwt/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ajwt, expectCleanFailure, printedKid, tempDir } from '../../test/cli.ts'

let tmp: Awaited<ReturnType<typeof tempDir>>
beforeAll(async () => {
  tmp = await tempDir()
})
afterAll(() => tmp.remove())

describe.each([
  { type: 'ed25519', args: [], line: /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5[A-Za-z0-9+/=]+ client-ed25519\n$/, bits: undefined },
  { type: 'rsa', args: ['--type', 'rsa', '--bits', '3072'], line: /^ssh-rsa AAAAB3NzaC1yc2E[A-Za-z0-9+/=]+ client-rsa\n$/, bits: 3072 },
])('ajwt keygen ($type)', ({ type, args, line, bits }) => {
  let out: string
  let result: Awaited<ReturnType<typeof ajwt>>
  beforeAll(async () => {
    out = tmp.path(`client-${type}`)
    result = await ajwt(['keygen', ...args, '--out', out])
  })

  it('writes the private key as PKCS#8 PEM, readable by the owner only', async () => {
    expect(result.code, result.stderr).toBe(0)
    const pem = await readFile(out, 'utf8')
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/)
    expect((await stat(out)).mode & 0o777).toBe(0o600)
    const key = createPublicKey(pem)
    expect(key.asymmetricKeyType).toBe(type)
    if (bits) expect(key.asymmetricKeyDetails?.modulusLength).toBe(bits)
  })

  it('writes NAME.pub as one OpenSSH line of the same key, which imports back to the printed kid', async () => {
    const pub = await readFile(`${out}.pub`, 'utf8')
    expect(pub).toMatch(line)
    const kid = printedKid(result.stdout)
    const imported = await importPublicKey(pub)
    expect(imported.kid).toBe(kid)
    expect(imported.comment).toBe(`client-${type}`)
    // The same public key, derived by node:crypto from the private key: the .pub names the very key.
    const spki = createPublicKey(await readFile(out, 'utf8')).export({ type: 'spki', format: 'pem' }).toString()
    expect(imported.toPEM()).toBe(spki)
  })

  it('prints the OpenSSH line and a kid that is the SHA-256 of the SPKI PEM (the Python fingerprint)', async () => {
    const pub = await readFile(`${out}.pub`, 'utf8')
    expect(result.stdout).toBe(`${pub}kid: ${printedKid(result.stdout)}\n`)
    const spki = createPublicKey(await readFile(out, 'utf8')).export({ type: 'spki', format: 'pem' }).toString()
    expect(printedKid(result.stdout)).toBe(createHash('sha256').update(spki).digest('hex'))
    expect(result.stderr).toContain(`Wrote ${out} (private key, mode 0600)`)
  })

  it('gives the same kid to `fingerprint` for the .pub line, the SPKI PEM and the private key', async () => {
    const kid = printedKid(result.stdout)
    const spki = createPublicKey(await readFile(out, 'utf8')).export({ type: 'spki', format: 'pem' }).toString()
    expect((await ajwt(['fingerprint', `${out}.pub`])).stdout).toBe(`${kid}\n`)
    expect((await ajwt(['fingerprint', '-'], { input: spki })).stdout).toBe(`${kid}\n`)
    expect((await ajwt(['fingerprint', out])).stdout).toBe(`${kid}\n`)
  })
})

describe('ajwt keygen files', () => {
  it('refuses to overwrite either file without --force, and leaves them as they were', async () => {
    const out = tmp.path('kept')
    expect((await ajwt(['keygen', '--out', out])).code).toBe(0)
    const before = [await readFile(out, 'utf8'), await readFile(`${out}.pub`, 'utf8')]
    expectCleanFailure(await ajwt(['keygen', '--out', out]), 1, /already exists \(use --force/)
    expect([await readFile(out, 'utf8'), await readFile(`${out}.pub`, 'utf8')]).toEqual(before)

    const lonePub = tmp.path('only-pub')
    expect((await ajwt(['keygen', '--out', lonePub])).code).toBe(0)
    await rm(lonePub)
    expectCleanFailure(await ajwt(['keygen', '--out', lonePub]), 1, /only-pub\.pub already exists/)
    await expect(stat(lonePub)).rejects.toThrow()
  })

  it('replaces both with --force, with a new key and mode 0600 again', async () => {
    const out = tmp.path('forced')
    const first = await ajwt(['keygen', '--out', out])
    await chmod(out, 0o644)
    const second = await ajwt(['keygen', '--out', out, '--force'])
    expect(second.code, second.stderr).toBe(0)
    expect(printedKid(second.stdout)).not.toBe(printedKid(first.stdout))
    expect((await stat(out)).mode & 0o777).toBe(0o600)
    expect((await importPublicKey(await readFile(`${out}.pub`, 'utf8'))).kid).toBe(printedKid(second.stdout))
  })

  it('prints the public key as PEM or JWK with --format', async () => {
    const pem = await ajwt(['keygen', '--out', tmp.path('as-pem'), '--format', 'pem'])
    expect(pem.stdout).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\nkid: [0-9a-f]{64}\n$/)
    expect((await importPublicKey(pem.stdout.replace(/kid: .*\n$/, ''))).kid).toBe(printedKid(pem.stdout))

    const jwk = await ajwt(['keygen', '--type', 'rsa', '--out', tmp.path('as-jwk'), '--format', 'jwk', '--comment', 'ops key'])
    const parsed = JSON.parse(jwk.stdout) as Record<string, string>
    expect(parsed).toMatchObject({ kty: 'RSA', e: 'AQAB', alg: 'RS512', use: 'sig' })
    expect(parsed.d).toBeUndefined()
    expect((await ajwt(['fingerprint', tmp.path('as-jwk.pub')])).stdout).toBe(`${parsed.kid}\n`)
    expect(await readFile(tmp.path('as-jwk.pub'), 'utf8')).toMatch(/ ops key\n$/)
  })

  it('rejects bad options as usage errors and writes nothing', async () => {
    expectCleanFailure(await ajwt(['keygen']), 2, /missing required option --out/)
    expectCleanFailure(await ajwt(['keygen', '--out', tmp.path('x'), '--type', 'dsa']), 2, /--type must be ed25519 or rsa/)
    expectCleanFailure(await ajwt(['keygen', '--out', tmp.path('x'), '--type', 'rsa', '--bits', '1024']), 2, /--bits must be/)
    expectCleanFailure(await ajwt(['keygen', '--out', tmp.path('x'), '--type', 'rsa', '--bits', '16384']), 2, /--bits must be an integer from 2048 to 8192/)
    expectCleanFailure(await ajwt(['keygen', '--out', tmp.path('x'), '--bits', '4096']), 2, /--type rsa only/)
    expectCleanFailure(await ajwt(['keygen', '--out', tmp.path('x'), '--format', 'der']), 2, /--format must be one of/)
    await expect(stat(tmp.path('x'))).rejects.toThrow()
    expectCleanFailure(await ajwt(['keygen', '--out', tmp.path('no/such/dir/key')]), 1, /cannot write .*no such file/)
    expectCleanFailure(await ajwt(['keygen', '--out', tmp.dir, '--force']), 1, /cannot write .*: is a directory$/)
  })
})
