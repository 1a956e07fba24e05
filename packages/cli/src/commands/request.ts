import { createSigner } from '@ajwt/core'
import { parseCommandLine, positionals, required, username, type Command } from '../command.ts'
import { CliError, UsageError } from '../errors.ts'
import type { InputReader } from '../io.ts'
import { readPrivateKey } from '../keys.ts'

export const request: Command = {
  name: 'request',
  summary: 'send a signed HTTP request and print the response, like curl',
  help: `Usage: ajwt request [-X METHOD] [-H 'Name: value']… [-d DATA|@FILE] --key FILE --user NAME [--passphrase-file FILE] [-i] [-s] [-f] [--max-time S] URL

Sends one HTTP request with a fresh "Authorization: JWT <token>" header, like curl. The
response body goes to stdout as received; the status line ("HTTP 200 OK") goes to stderr,
or with --include to stdout, followed by the response headers and a blank line, before the body.

Exit status: 0 when a response arrived, whatever its status (with --fail: 1 for 4xx and 5xx);
1 when no response arrived (connection refused, DNS failure, --max-time exceeded); 2 for
usage errors.

Options:
  -X, --request METHOD         the HTTP method (default GET, or POST with --data)
  -H, --header 'Name: value'   a request header; repeat for several (an Authorization
                               header given here is replaced by the signed one)
  -d, --data DATA              the request body, sent as is; @FILE reads it from FILE, @- from
                               stdin (no content-type is implied: set one with -H)
  -k, --key FILE               the private key (required)
  -u, --user NAME              the username the server knows this key by (required)
      --passphrase-file FILE   passphrase of an encrypted key
  -i, --include                print the status line and response headers to stdout
  -s, --silent                 do not print the status line to stderr
  -f, --fail                   exit 1 when the status is 400 or above
  -m, --max-time S             give up after S seconds
  -h, --help                   show this help

Examples:
  ajwt request --key billing --user billing http://127.0.0.1:3000/api/invoices
  ajwt request -X POST -H 'content-type: application/json' -d '{"amount":42}' \\
    --key billing --user billing http://127.0.0.1:3000/api/invoices`,

  async run(argv, { io, input }) {
    const { values, positionals: rest } = parseCommandLine({
      args: argv,
      allowPositionals: true,
      options: {
        request: { type: 'string', short: 'X' },
        header: { type: 'string', short: 'H', multiple: true },
        data: { type: 'string', short: 'd' },
        key: { type: 'string', short: 'k' },
        user: { type: 'string', short: 'u' },
        'passphrase-file': { type: 'string' },
        include: { type: 'boolean', short: 'i', default: false },
        silent: { type: 'boolean', short: 's', default: false },
        fail: { type: 'boolean', short: 'f', default: false },
        'max-time': { type: 'string', short: 'm' },
        help: { type: 'boolean', short: 'h' },
      },
    })
    if (values.help) {
      io.stdout.write(`${this.help}\n`)
      return 0
    }
    const [urlArg] = positionals(rest, ['URL'])
    const url = parseUrl(urlArg!)
    const keyPath = required(values.key, '--key')
    const user = username(values.user)
    const method = (values.request ?? (values.data === undefined ? 'GET' : 'POST')).toUpperCase()
    if (!/^[A-Z]+$/.test(method)) throw new UsageError(`-X must be an HTTP method (got ${JSON.stringify(values.request)})`)
    const headers = parseHeaders(values.header ?? [])
    const maxTime = values['max-time'] === undefined ? undefined : parseSeconds(values['max-time'])
    const body = values.data === undefined ? undefined : await requestBody(values.data, input)
    if (body !== undefined && (method === 'GET' || method === 'HEAD')) {
      throw new UsageError(`a ${method} request cannot have a body: add -X POST (or another method)`)
    }

    const privateKey = await readPrivateKey(input, keyPath, values['passphrase-file'])
    const signer = createSigner({ username: user, privateKey })
    let response: Response
    let payload: Uint8Array
    try {
      response = await signer.fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(maxTime === undefined ? {} : { signal: AbortSignal.timeout(maxTime * 1000) }),
      })
      payload = new Uint8Array(await response.arrayBuffer())
    } catch (error) {
      throw new CliError(`request to ${url.origin} failed: ${networkReason(error)}`)
    }

    const statusLine = `HTTP ${response.status} ${response.statusText}`.trimEnd()
    if (values.include) {
      let head = `${statusLine}\n`
      for (const [name, value] of response.headers) head += `${name}: ${value}\n`
      io.stdout.write(`${head}\n`)
    } else if (!values.silent) {
      io.stderr.write(`${statusLine}\n`)
    }
    io.stdout.write(payload)
    return values.fail && response.status >= 400 ? 1 : 0
  },
}

function parseUrl(value: string): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new UsageError(`not a URL: ${JSON.stringify(value)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`only http and https URLs are supported (got ${url.protocol})`)
  }
  return url
}

function parseHeaders(lines: readonly string[]): Headers {
  const headers = new Headers()
  for (const line of lines) {
    const colon = line.indexOf(':')
    const name = colon > 0 ? line.slice(0, colon).trim() : ''
    try {
      if (!name) throw new TypeError('no name')
      headers.append(name, line.slice(colon + 1).trim())
    } catch {
      throw new UsageError(`-H expects 'Name: value' (got ${JSON.stringify(line)})`)
    }
  }
  return headers
}

function parseSeconds(value: string): number {
  const seconds = Number(value)
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`--max-time must be a positive number of seconds (got ${JSON.stringify(value)})`)
  }
  return seconds
}

async function requestBody(data: string, input: InputReader): Promise<Uint8Array<ArrayBuffer>> {
  return data.startsWith('@') ? new Uint8Array(await input.bytes(data.slice(1), 'request body file')) : new TextEncoder().encode(data)
}

// fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, timeout) is in its cause.
function networkReason(error: unknown): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') return 'no response within --max-time'
  const cause = (error as { cause?: unknown } | undefined)?.cause
  const reason = cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error)
  return reason.split('\n')[0]!
}
