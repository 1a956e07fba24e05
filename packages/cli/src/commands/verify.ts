import { checkBodyChunks, createVerifier, isAjwtError, MemoryKeyStore, MemoryNonceStore, type AjwtError, type BindingPolicy } from '@ajwt/core'
import { boundRequest, oneStdin, REQUEST_OPTIONS } from '../bound-request.ts'
import { parseCommandLine, positionals, type Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { readPublicKey } from '../keys.ts'

export const verify: Command = {
  name: 'verify',
  summary: 'check a token against public keys: print its claims, or why it is rejected',
  help: `Usage: ajwt verify --pubkey FILE [--pubkey FILE]… [--user NAME] [--now T] [--tolerance S]
                   [--method METHOD --url URL [--body-file FILE]] [--binding POLICY] [--origin ORIGIN]…
                   TOKEN|-

Checks a token the way a server does, against the given public keys, and prints its claims as
JSON (exit 0), or the reason it is rejected on stderr: the stable error code and a detail
(exit 1). TOKEN is the bare token or a whole Authorization value ("JWT <token>"); - reads it
from stdin. Replays cannot be detected across runs: each run starts with no used nonces.

With --method and --url (and --body-file for a request with a body) the token is also checked
against that request, as a server that received it would: a token bound to another method, URL,
query or body is rejected (method_mismatch, url_mismatch, query_mismatch, body_mismatch). Under
--binding required an unbound token is rejected too (binding_required).

Options:
  -p, --pubkey FILE    a public key (SPKI or PKCS#1 PEM, OpenSSH line, JWK); - for stdin;
                       repeat for several keys (required)
  -u, --user NAME      the keys belong to NAME: tokens of another user are rejected
                       (default: whatever user the token names)
      --now T          the server clock: unix seconds or an ISO 8601 date (default: now)
      --tolerance S    accepted clock difference in seconds (default: 20)
  -X, --method METHOD  the method of the request the token came with (needs --url)
      --url URL        the absolute URL it was sent to, query included (needs --method)
      --body-file FILE its body, exactly these bytes; - for stdin (default: no body)
      --binding POLICY off, if-present (default: binding claims the token carries must
                       match) or required (the token must bind the request; needs --url)
      --origin ORIGIN  a public origin of the server, e.g. https://api.example.com: the
                       token's "htu" must name one (default: the origin of --url); repeatable
  -h, --help           show this help

Examples:
  ajwt verify --pubkey billing.pub "$(ajwt sign --key billing --user billing)"
  ajwt verify --pubkey billing.pub --user billing --now 2026-01-01T00:00:00Z eyJhbGciOi…
  ajwt verify --pubkey billing.pub --binding required --method POST \\
    --url http://127.0.0.1:3000/api/invoices --body-file invoice.json "$TOKEN"`,

  async run(argv, { io, input }) {
    const { values, positionals: rest } = parseCommandLine({
      args: argv,
      allowPositionals: true,
      options: {
        pubkey: { type: 'string', short: 'p', multiple: true },
        user: { type: 'string', short: 'u' },
        now: { type: 'string' },
        tolerance: { type: 'string' },
        ...REQUEST_OPTIONS,
        binding: { type: 'string' },
        origin: { type: 'string', multiple: true },
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
    const binding = parseBinding(values.binding)
    const origins = values.origin
    const hasRequest = values.method !== undefined || values.url !== undefined
    if (binding === 'required' && !hasRequest) {
      throw new UsageError('--binding required needs --method and --url: the request to check the token against')
    }
    if (origins !== undefined && !hasRequest) throw new UsageError('--origin needs --method and --url: the request to check the token against')
    if (values['body-file'] === '-') oneStdin({ '--pubkey': pubkeys, TOKEN: tokenArg, '--body-file': '-' })

    const keys = []
    for (const path of pubkeys) keys.push(await readPublicKey(input, path))
    const raw = (tokenArg === '-' ? await input.text('-', 'token') : tokenArg!).trim()
    const request = await boundRequest(values, input)
    const authorization = /\s/.test(raw) ? raw : `JWT ${raw}`
    const user = values.user ?? claimedUsername(authorization) ?? ''

    const verifier = newVerifier({
      keys: new MemoryKeyStore({ [user]: keys }),
      nonces: new MemoryNonceStore(),
      binding,
      ...(origins === undefined ? {} : { origins }),
      ...(toleranceSeconds === undefined ? {} : { toleranceSeconds }),
      ...(now === undefined ? {} : { now: () => now }),
    })
    const rejected = (error: AjwtError) => {
      io.stderr.write(`ajwt verify: rejected: ${error.code}: ${error.detail}\n`)
      return 1
    }
    const result = await verifier.verify(
      authorization,
      request && { method: request.method, url: request.url, hasBody: request.body.byteLength > 0 },
    )
    if (!result.ok) return rejected(result.error)
    if (request) {
      // The body's digest against the token's "htb", by the same check a server runs as the body streams.
      try {
        for await (const chunk of checkBodyChunks(chunks(request.body), result.auth)) void chunk
      } catch (error) {
        if (isAjwtError(error)) return rejected(error)
        throw error
      }
    }
    io.stdout.write(`${JSON.stringify(result.auth.claims, null, 2)}\n`)
    return 0
  },
}

type VerifierOptions = Parameters<typeof createVerifier>[0]

// Options the CLI could not check itself (a malformed --origin) are usage errors.
function newVerifier(options: VerifierOptions): ReturnType<typeof createVerifier> {
  try {
    return createVerifier(options)
  } catch (error) {
    if (isAjwtError(error) && error.code === 'invalid_options') throw new UsageError(`--origin ${error.detail.replace(/^origins: /, '')}`)
    throw error
  }
}

function parseBinding(value: string | undefined): BindingPolicy {
  if (value === undefined) return 'if-present'
  if (value === 'off' || value === 'if-present' || value === 'required') return value
  throw new UsageError(`--binding must be off, if-present or required (got ${JSON.stringify(value)})`)
}

async function* chunks(body: Uint8Array): AsyncGenerator<Uint8Array, void, undefined> {
  if (body.byteLength > 0) yield body
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
