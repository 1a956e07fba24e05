import { createHash, generateKeyPairSync } from 'node:crypto'
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

describe('request binding: sign --method/--url/--body-file → verify', () => {
  // Run in the temporary directory with the README's file names, so the README's commands are the ones tested.
  const url = 'http://127.0.0.1:3000/api/invoices'
  const run = (args: string[], input?: string) => ajwt(args, { cwd: tmp.dir, ...(input === undefined ? {} : { input }) })
  const signBound = async (...extra: string[]) => {
    const signed = await run(['sign', '--key', 'billing', '--user', 'billing', '--method', 'POST', '--url', url, '--body-file', 'invoice.json', ...extra])
    expect(signed.code, signed.stderr).toBe(0)
    return signed.stdout.trim()
  }
  const verifyArgs = (token: string, ...request: string[]) => ['verify', '--pubkey', 'billing.pub', ...request, token]

  beforeAll(async () => {
    const made = await run(['keygen', '--out', 'billing'])
    expect(made.code, made.stderr).toBe(0)
    await writeFile(tmp.path('invoice.json'), '{"amount":42}\n')
    await writeFile(tmp.path('tampered.json'), '{"amount":4200}\n')
  })

  it('binds method, URL, query and body: the claims are there and a bound token verifies (README commands)', async () => {
    const token = await signBound()
    const verified = await run(verifyArgs(token, '--binding', 'required', '--method', 'POST', '--url', url, '--body-file', 'invoice.json'))
    expect(verified.code, verified.stderr).toBe(0)
    expect(verified.stderr).toBe('')
    const claims = JSON.parse(verified.stdout) as Record<string, unknown>
    expect(claims).toMatchObject({ username: 'billing', htm: 'POST', htu: url })
    expect(claims.htb).toBe(createHash('sha256').update('{"amount":42}\n').digest('base64url'))
    expect(claims.htb).toBe('eWSP-5igWmfQDuZ_CFA1BL9RpjKoUzot1plMtr1OGaU') // as the README shows it
    expect(claims).not.toHaveProperty('htq')

    const withQuery = (await run(['sign', '--key', 'billing', '--user', 'billing', '--method', 'get', '--url', `${url}?page=2#top`])).stdout.trim()
    const queried = await run(verifyArgs(withQuery, '--method', 'GET', '--url', `${url}?page=2`))
    expect(queried.code, queried.stderr).toBe(0)
    const queryClaims = JSON.parse(queried.stdout) as Record<string, unknown>
    expect(queryClaims).toMatchObject({ htm: 'GET', htu: url, htq: createHash('sha256').update('page=2').digest('base64url') })
    expect(queryClaims).not.toHaveProperty('htb')
  })

  it('reads the body from stdin with --body-file - (the exact bytes) and prints the Authorization value with --header', async () => {
    const signed = await run(['sign', '--key', 'billing', '--user', 'billing', '--header', '--method', 'POST', '--url', url, '--body-file', '-'], '{"amount":42}\n')
    expect(signed.code, signed.stderr).toBe(0)
    expect(signed.stdout).toMatch(/^JWT [\w-]+\.[\w-]+\.[\w-]+\n$/)
    const verified = await run(['verify', '--pubkey', 'billing.pub', '--method', 'POST', '--url', url, '--body-file', '-', signed.stdout.trim()], '{"amount":42}\n')
    expect(verified.code, verified.stderr).toBe(0)
    const stripped = await run(['verify', '--pubkey', 'billing.pub', '--method', 'POST', '--url', url, '--body-file', '-', signed.stdout.trim()], '{"amount":42}')
    expectCleanFailure(stripped, 1, /^ajwt verify: rejected: body_mismatch: /)
  })

  it('rejects a tampered method, URL, query or body with its own code (exit 1, one line)', async () => {
    const cases: [string[], RegExp][] = [
      [['--method', 'PUT', '--url', url, '--body-file', 'invoice.json'], /^ajwt verify: rejected: method_mismatch: the token is for POST, the request is PUT$/],
      [['--method', 'POST', '--url', 'http://127.0.0.1:3000/api/refunds', '--body-file', 'invoice.json'], /^ajwt verify: rejected: url_mismatch: /],
      [['--method', 'POST', '--url', 'http://127.0.0.1:4000/api/invoices', '--body-file', 'invoice.json'], /^ajwt verify: rejected: url_mismatch: /],
      [['--method', 'POST', '--url', `${url}?draft=1`, '--body-file', 'invoice.json'], /^ajwt verify: rejected: query_mismatch: /],
      [['--method', 'POST', '--url', url, '--body-file', 'tampered.json'], /^ajwt verify: rejected: body_mismatch: the body does not match/],
      [['--method', 'POST', '--url', url], /^ajwt verify: rejected: body_mismatch: the token binds a body, and the request has none$/],
      [['--method', 'POST', '--url', url, '--body-file', 'invoice.json', '--origin', 'https://api.example.com'], /^ajwt verify: rejected: url_mismatch: /],
    ]
    // Each case is two CLI processes: run them side by side, not 14 in a row.
    const outcomes = await Promise.all(cases.map(async ([request]) => run(verifyArgs(await signBound(), ...request))))
    outcomes.forEach((outcome, i) => expectCleanFailure(outcome, 1, cases[i]![1]))
    // --binding off ignores the claims.
    const off = await run(verifyArgs(await signBound(), '--binding', 'off', '--method', 'PUT', '--url', url, '--body-file', 'tampered.json'))
    expect(off.code, off.stderr).toBe(0)
  })

  it('checks htu against --origin: the path after one of the public origins, not the origin of --url', async () => {
    const token = (await run(['sign', '--key', 'billing', '--user', 'billing', '--method', 'DELETE', '--url', 'https://api.example.com/v1/invoices/7'])).stdout.trim()
    const behindProxy = ['--method', 'DELETE', '--url', 'http://10.0.0.7:8080/v1/invoices/7']
    expectCleanFailure(await run(verifyArgs(token, ...behindProxy)), 1, /rejected: url_mismatch/)
    const accepted = await run(verifyArgs(token, ...behindProxy, '--origin', 'https://api.example.net', '--origin', 'https://API.example.com:443'))
    expect(accepted.code, accepted.stderr).toBe(0)
  })

  it('an unbound token: binding_required under --binding required, accepted under if-present (the default) and off', async () => {
    const unbound = (await run(['sign', '--key', 'billing', '--user', 'billing'])).stdout.trim()
    const request = ['--method', 'POST', '--url', url, '--body-file', 'invoice.json']
    expectCleanFailure(
      await run(verifyArgs(unbound, '--binding', 'required', ...request)),
      1,
      /^ajwt verify: rejected: binding_required: binding is required: the token binds no request/,
    )
    // As the README shows it: a request without a body.
    expectCleanFailure(
      await run(verifyArgs(unbound, '--binding', 'required', '--method', 'POST', '--url', url)),
      1,
      /^ajwt verify: rejected: binding_required: binding is required: the token binds no request \(no "htm" or "htu" claim\)$/,
    )
    for (const policy of [[], ['--binding', 'if-present'], ['--binding', 'off']]) {
      const accepted = await run(verifyArgs(unbound, ...policy, ...request))
      expect(accepted.code, accepted.stderr).toBe(0)
      expect(JSON.parse(accepted.stdout)).not.toHaveProperty('htm')
    }
    // Without --method/--url, a bound token is accepted as before: there is no request to compare.
    expect((await run(verifyArgs(await signBound()))).code).toBe(0)
  })

  it('usage errors (exit 2) for incomplete or malformed binding options', async () => {
    const key = ['--key', 'billing', '--user', 'billing']
    const token = await signBound()
    const usage: [string[], RegExp][] = [
      [['sign', ...key, '--body-file', 'invoice.json'], /--body-file needs --method and --url/],
      [['sign', ...key, '--method', 'POST'], /--method needs --url/],
      [['sign', ...key, '--url', url], /--url needs --method/],
      [['sign', ...key, '--method', 'POST', '--url', '/api/invoices'], /--url must be an absolute http: or https: URL .*got "\/api\/invoices"/],
      [['sign', ...key, '--method', 'POST', '--url', 'ftp://127.0.0.1/x'], /--url must be an absolute http: or https: URL/],
      [['sign', ...key, '--method', 'GET POST', '--url', url], /--method must be an HTTP method/],
      [['sign', '--key', '-', '--user', 'billing', '--method', 'POST', '--url', url, '--body-file', '-'], /only one of --key, --body-file can be -/],
      [verifyArgs(token, '--binding', 'strict', '--method', 'POST', '--url', url), /--binding must be off, if-present or required/],
      [verifyArgs(token, '--binding', 'required'), /--binding required needs --method and --url/],
      [verifyArgs(token, '--origin', 'https://api.example.com'), /--origin needs --method and --url/],
      [verifyArgs(token, '--body-file', 'invoice.json'), /--body-file needs --method and --url/],
      [verifyArgs(token, '--method', 'POST', '--url', url, '--origin', 'https://api.example.com/v1'), /--origin "https:\/\/api\.example\.com\/v1" is not an origin/],
      [['verify', '--pubkey', 'billing.pub', '--method', 'POST', '--url', url, '--body-file', '-', '-'], /only one of TOKEN, --body-file can be -/],
    ]
    for (const [args, pattern] of usage) expectCleanFailure(await run(args), 2, pattern)
    expectCleanFailure(await run([...verifyArgs(token, '--method', 'POST', '--url', url, '--body-file', 'missing.json')]), 1, /cannot read the body file "missing\.json": no such file/)
  })
})
