import { generateKeyPairSync } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ajwt, expectCleanFailure, tempDir } from '../test/cli.ts'

const COMMANDS = ['keygen', 'fingerprint', 'sign', 'verify', 'jwks', 'request'] as const
const packageJson = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }

let tmp: Awaited<ReturnType<typeof tempDir>>
beforeAll(async () => {
  tmp = await tempDir()
})
afterAll(() => tmp.remove())

describe('ajwt help and version', () => {
  it('lists every command with --help, -h and help', async () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const result = await ajwt(args)
      expect(result.code).toBe(0)
      expect(result.stderr).toBe('')
      expect(result.stdout).toContain('Usage: ajwt <command> [options]')
      for (const name of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'))
    }
  })

  it.each(COMMANDS)('explains %s with --help, -h and ajwt help <command>', async (name) => {
    const long = await ajwt([name, '--help'])
    expect(long.code).toBe(0)
    expect(long.stdout).toMatch(new RegExp(`^Usage: ajwt ${name} `))
    expect(long.stdout).toContain('Examples:')
    expect((await ajwt([name, '-h'])).stdout).toBe(long.stdout)
    expect((await ajwt(['help', name])).stdout).toBe(long.stdout)
  })

  it('prints the package version', async () => {
    expect(await ajwt(['--version'])).toEqual({ code: 0, stdout: `${packageJson.version}\n`, stderr: '' })
    expect((await ajwt(['-v'])).stdout).toBe(`${packageJson.version}\n`)
  })
})

describe('ajwt usage errors: exit 2, one line on stderr', () => {
  it('no command, an unknown command, an unknown help topic', async () => {
    expectCleanFailure(await ajwt([]), 2, /^ajwt: missing command/)
    expectCleanFailure(await ajwt(['frobnicate']), 2, /^ajwt: unknown command "frobnicate"/)
    expectCleanFailure(await ajwt(['help', 'frobnicate']), 2, /unknown command "frobnicate"/)
  })

  it('an unknown flag, a missing value, a missing option, an extra argument', async () => {
    expectCleanFailure(await ajwt(['sign', '--key', 'k', '--user', 'u', '--frobnicate']), 2, /^ajwt sign: Unknown option '--frobnicate'/)
    expectCleanFailure(await ajwt(['verify', '--pubkey']), 2, /^ajwt verify: Option '-p, --pubkey <value>' argument missing/)
    expectCleanFailure(await ajwt(['sign', '--user', 'u']), 2, /^ajwt sign: missing required option --key \(see 'ajwt sign --help'\)$/)
    expectCleanFailure(await ajwt(['sign', '--key', 'k']), 2, /missing required option --user/)
    expectCleanFailure(await ajwt(['verify', 'token']), 2, /missing required option --pubkey/)
    expectCleanFailure(await ajwt(['verify', '--pubkey', 'k']), 2, /missing TOKEN/)
    expectCleanFailure(await ajwt(['fingerprint', 'a', 'b']), 2, /unexpected argument "b"/)
    expectCleanFailure(await ajwt(['sign', '--key', 'k', '--user', 'x'.repeat(257)]), 2, /at most 256 characters/)
    expectCleanFailure(await ajwt(['verify', '--pubkey', 'k', '--tolerance=-1', 't']), 2, /--tolerance must be a non-negative/)
    expectCleanFailure(
      await ajwt(['verify', '--pubkey', 'k', '--tolerance', '-1', 't']),
      2,
      /^ajwt verify: Option '--tolerance' argument is ambiguous\. .*use '--tolerance=-XYZ'/,
    )
    expectCleanFailure(await ajwt(['verify', '--pubkey', 'k', '--now', 'yesterday', 't']), 2, /--now must be unix seconds or an ISO 8601 date/)
  })
})

describe('ajwt failures: exit 1, one line on stderr, no stack trace', () => {
  it('a missing file, a directory, stdin read twice', async () => {
    await ajwt(['keygen', '--out', tmp.path('once')])
    const pub = await readFile(tmp.path('once.pub'), 'utf8')
    expectCleanFailure(await ajwt(['fingerprint', tmp.path('absent.pub')]), 1, /^ajwt fingerprint: cannot read the key ".*absent\.pub": no such file$/)
    expectCleanFailure(await ajwt(['sign', '--key', tmp.dir, '--user', 'u']), 1, /cannot read the private key ".*": is a directory/)
    expectCleanFailure(await ajwt(['jwks', '-', '-'], { input: pub }), 1, /stdin \(-\) can be read only once/)
  })

  it('a malformed key, in every command that reads one', async () => {
    await writeFile(tmp.path('garbage'), '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n')
    await writeFile(tmp.path('text'), 'hello\n')
    expectCleanFailure(await ajwt(['sign', '--key', tmp.path('garbage'), '--user', 'u']), 1, /^ajwt sign: .*garbage: /)
    expectCleanFailure(await ajwt(['sign', '--key', tmp.path('text'), '--user', 'u']), 1, /unrecognised private key/)
    expectCleanFailure(await ajwt(['fingerprint', tmp.path('text')]), 1, /^ajwt fingerprint: .*text: unrecognised public key/)
    expectCleanFailure(await ajwt(['verify', '--pubkey', tmp.path('text'), 'a.b.c']), 1, /unrecognised public key/)
    expectCleanFailure(
      await ajwt(['request', '--key', tmp.path('text'), '--user', 'u', 'http://127.0.0.1:9/']),
      1,
      /unrecognised private key/,
    )
    // A public key where a private one is needed, and an RSA key below 2048 bits.
    await ajwt(['keygen', '--out', tmp.path('pair')])
    expectCleanFailure(await ajwt(['sign', '--key', tmp.path('pair.pub'), '--user', 'u']), 1, /unrecognised private key/)
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' })
    expectCleanFailure(await ajwt(['fingerprint', '-'], { input: weak.toString() }), 1, /RSA key of 1024 bits refused/)
  })
})
