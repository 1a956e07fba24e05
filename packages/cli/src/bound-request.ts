import { UsageError } from './errors.ts'
import type { InputReader } from './io.ts'

/** An HTTP method is an RFC 9110 token. */
const HTTP_METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** The request `--method`, `--url` and `--body-file` describe, for `sign` and `verify`. */
export interface BoundRequest {
  method: string
  /** The URL as a client sends it: serialized by the WHATWG URL parser, without a fragment. */
  url: string
  /** The body's exact bytes; empty without `--body-file` (a request without a body). */
  body: Uint8Array
}

/** The parseArgs options shared by `sign` and `verify`. */
export const REQUEST_OPTIONS = {
  method: { type: 'string', short: 'X' },
  url: { type: 'string' },
  'body-file': { type: 'string' },
} as const

/**
 * The request given by `--method`, `--url` and `--body-file`, or `undefined` when none of them is
 * given. Both `--method` and `--url` are needed; the body file is optional (`-` is stdin).
 */
export async function boundRequest(
  values: { method?: string | undefined; url?: string | undefined; 'body-file'?: string | undefined },
  input: InputReader,
): Promise<BoundRequest | undefined> {
  const { method, url, 'body-file': bodyFile } = values
  if (method === undefined && url === undefined) {
    if (bodyFile !== undefined) throw new UsageError('--body-file needs --method and --url: the request the body belongs to')
    return undefined
  }
  if (url === undefined) throw new UsageError('--method needs --url: give both to bind the request')
  if (method === undefined) throw new UsageError('--url needs --method: give both to bind the request')
  if (!HTTP_METHOD.test(method)) throw new UsageError(`--method must be an HTTP method such as POST (got ${JSON.stringify(method)})`)
  const parsed = URL.parse(url)
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new UsageError(`--url must be an absolute http: or https: URL such as https://api.example.com/v1/invoices (got ${JSON.stringify(url)})`)
  }
  if (bodyFile === '') throw new UsageError('--body-file must name a file (or - for stdin)')
  parsed.hash = ''
  const body = bodyFile === undefined ? new Uint8Array(0) : new Uint8Array(await input.bytes(bodyFile, 'body file'))
  return { method: method.toUpperCase(), url: parsed.href, body }
}

/** `-` names stdin, which can be read only once: a usage error when two options both ask for it. */
export function oneStdin(options: Record<string, string | readonly string[] | undefined>): void {
  const names = Object.entries(options)
    .filter(([, value]) => value === '-' || (Array.isArray(value) && value.includes('-')))
    .map(([name]) => name)
  if (names.length > 1) throw new UsageError(`only one of ${names.join(', ')} can be - (stdin can be read only once)`)
}
