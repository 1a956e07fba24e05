import { createVerifier, MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
import { parseCommandLine, positionals, type Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { readPublicKey } from '../keys.ts'

export const verify: Command = {
  name: 'verify',
  summary: 'check a token against public keys: print its claims, or why it is rejected',
  help: `Usage: ajwt verify --pubkey FILE [--pubkey FILE]… [--user NAME] [--now T] [--tolerance S] TOKEN|-

Checks a token the way a server does, against the given public keys, and prints its claims as
JSON (exit 0), or the reason it is rejected on stderr: the stable error code and a detail
(exit 1). TOKEN is the bare token or a whole Authorization value ("JWT <token>"); - reads it
from stdin. Replays cannot be detected across runs: each run starts with no used nonces.

Options:
  -p, --pubkey FILE    a public key (SPKI or PKCS#1 PEM, OpenSSH line, JWK); - for stdin;
                       repeat for several keys (required)
  -u, --user NAME      the keys belong to NAME: tokens of another user are rejected
                       (default: whatever user the token names)
      --now T          the server clock: unix seconds or an ISO 8601 date (default: now)
      --tolerance S    accepted clock difference in seconds (default: 20)
  -h, --help           show this help

Examples:
  ajwt verify --pubkey billing.pub "$(ajwt sign --key billing --user billing)"
  ajwt verify --pubkey billing.pub --user billing --now 2026-01-01T00:00:00Z eyJhbGciOi…`,

  async run(argv, { io, input }) {
    const { values, positionals: rest } = parseCommandLine({
      args: argv,
      allowPositionals: true,
      options: {
        pubkey: { type: 'string', short: 'p', multiple: true },
        user: { type: 'string', short: 'u' },
        now: { type: 'string' },
        tolerance: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    })
    if (values.help) {
      io.stdout.write(`${this.help}\n`)
      return 0
    }
    const [tokenArg] = positionals(rest, ['TOKEN'])
    const pubkeys = values.pubkey ?? []
    if (pubkeys.length === 0) throw new UsageError('missing required option --pubkey')
    if (values.user === '') throw new UsageError('--user must not be empty')
    const now = values.now === undefined ? undefined : parseTime(values.now)
    const toleranceSeconds = values.tolerance === undefined ? undefined : parseTolerance(values.tolerance)

    const keys = []
    for (const path of pubkeys) keys.push(await readPublicKey(input, path))
    const raw = (tokenArg === '-' ? await input.text('-', 'token') : tokenArg!).trim()
    const authorization = /\s/.test(raw) ? raw : `JWT ${raw}`
    const user = values.user ?? claimedUsername(authorization) ?? ''

    const verifier = createVerifier({
      keys: new MemoryKeyStore({ [user]: keys }),
      nonces: new MemoryNonceStore(),
      ...(toleranceSeconds === undefined ? {} : { toleranceSeconds }),
      ...(now === undefined ? {} : { now: () => now }),
    })
    const result = await verifier.verify(authorization)
    if (!result.ok) {
      io.stderr.write(`ajwt verify: rejected: ${result.error.code}: ${result.error.detail}\n`)
      return 1
    }
    io.stdout.write(`${JSON.stringify(result.auth.claims, null, 2)}\n`)
    return 0
  },
}

function parseTime(value: string): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value)
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) throw new UsageError(`--now must be unix seconds or an ISO 8601 date (got ${JSON.stringify(value)})`)
  return ms / 1000
}

function parseTolerance(value: string): number {
  const seconds = Number(value)
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0) {
    throw new UsageError(`--tolerance must be a non-negative number of seconds (got ${JSON.stringify(value)})`)
  }
  return seconds
}

// Only to file the keys under the name the token claims; the verifier re-reads and checks every claim.
function claimedUsername(authorization: string): string | undefined {
  const payload = authorization.split(/\s+/)[1]?.split('.')[1]
  if (!payload) return undefined
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    const name = (claims as { username?: unknown } | null)?.username
    return typeof name === 'string' ? name : undefined
  } catch {
    return undefined
  }
}
