import { afterAll, afterEach, beforeAll, beforeEach, expect, it, vi } from 'vitest'

// Helpers for the packages' README tests (src/readme-binding.test.ts), which run a README's
// "Request binding" snippets as written. No node: imports: the Workers package runs them in workerd.

/** The public origin the READMEs' apps are configured with, as if behind their load balancer. */
const PUBLIC_ORIGIN = 'https://api.example.com'

/**
 * The lines of README `readme`'s ts snippets in section `heading` (imports aside) that `source`
 * lacks: a test that runs the snippets expects none, so that the README cannot drift from what runs.
 */
export function missingLines(readme: string, source: string, heading = 'Request binding'): string[] {
  const start = readme.indexOf(`\n## ${heading}\n`)
  const end = readme.indexOf('\n## ', start + 1)
  const section = readme.slice(start, end === -1 ? undefined : end)
  const snippets = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '')
  if (start === -1 || snippets.length === 0) return [`(no ts snippet in a "${heading}" section)`]
  const have = new Set(source.split('\n').map((line) => line.trim()))
  const wanted = snippets.flatMap((snippet) => snippet.split('\n').map((line) => line.trim()))
  return wanted.filter((line) => line !== '' && !line.startsWith('import ') && !have.has(line))
}

/** What a hop does to the body it forwards. */
export type Change = (body: Uint8Array) => BodyInit

/** A fetch-like function: what a signer's `fetch` option takes. */
export type Send = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>

const unchanged: Change = (body) => body as BodyInit

/** A hop that changes one byte of the body it forwards (the invoice's 7 becomes 9). */
export const oneByteOff: Change = (body) => new TextEncoder().encode(new TextDecoder().decode(body).replace('7', '9'))

/** `send`, with the body changed by `change` on the way (as signer.fetch gives it: bytes, or none). */
export const changing =
  (send: Send, change: Change = unchanged): Send =>
  (input, init) =>
    send(input, { ...init, body: change(init?.body as Uint8Array) })

/**
 * A signer's fetch for which https://api.example.com is `server` (a local server, or its URL), as if
 * behind its load balancer, with the body changed by `change` on the way.
 */
export const via = (server: string | { url: string }, change?: Change): Send =>
  changing((input, init) => fetch(String(input).replace(PUBLIC_ORIGIN, typeof server === 'string' ? server : server.url), init), change)

/**
 * The app `start` serves, started before the tests of the `describe` this is called in and closed
 * after them. Its `url` can be read once it has started: in a test (via reads it on each request).
 */
export function serving(start: () => Promise<{ url: string; close(): unknown }>): { readonly url: string } {
  let app: { url: string; close(): unknown } | undefined
  beforeAll(async () => {
    app = await start()
  })
  afterAll(async () => {
    await app?.close()
  })
  return {
    get url() {
      if (app === undefined) throw new Error('serving: the app has not started yet')
      return app.url
    },
  }
}

/** The READMEs' invoice, {"total":7}, as their signer.fetch POSTs it. */
export const invoice = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ total: 7 }) }

/** The invoice padded to 80 KiB: its body is checked as the app's parser reads it, not before. */
const largeInvoice = { ...invoice, body: JSON.stringify({ total: 7, pad: 'x'.repeat(80_000) }) }

/** Expects the READMEs' 201: the invoice {"total":7} created by `username`, and nothing in `rejected` (onRejected's codes). */
export async function expectCreated(res: Response, rejected: unknown[], username = 'billing'): Promise<void> {
  expect(res.status).toBe(201)
  expect(await res.json()).toEqual({ created: { total: 7 }, by: username })
  expect(rejected).toEqual([])
}

/** Expects the 401 of a refused token: WWW-Authenticate invalid_token and the usual JSON body. */
export async function expectInvalidToken(res: Response): Promise<void> {
  expect(res.status).toBe(401)
  expect(res.headers.get('www-authenticate')).toBe('JWT error="invalid_token"')
  expect(await res.json()).toEqual({ error: 'invalid_token', message: 'Invalid JWT credentials' })
}

/** Expects an unbound token (binding required) POSTed with the invoice to `url` through `send` to be refused: 401. */
export async function expectUnboundRefused(signer: { authorization(): Promise<string> }, send: Send, url: string): Promise<void> {
  const res = await send(url, {
    method: 'POST',
    headers: { authorization: await signer.authorization(), 'content-type': 'application/json' },
    body: '{"total":7}',
  })
  expect(res.status).toBe(401)
}

/** The codes onRejected logs, in an array emptied before each test (of the file, or of the `describe` it is called in). */
export function recordedCodes(): unknown[] {
  const codes: unknown[] = []
  beforeEach(() => {
    codes.length = 0
  })
  return codes
}

/**
 * The codes onRejected logs through console.warn('ajwt rejected a request', code), test by test
 * (console.warn is silenced meanwhile). Call it inside a `describe`.
 */
export function warnedCodes(): unknown[] {
  const codes = recordedCodes()
  let warn: { mockRestore(): void } | undefined
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation((_message, code) => void codes.push(code))
  })
  afterEach(() => {
    warn?.mockRestore()
  })
  return codes
}

/** The test that README `readme` has not drifted from `source`, the code that runs its snippets (see missingLines). */
export function itMirrorsTheReadme(
  readme: string,
  source: string,
  name = 'mirrors the README: every line of its snippets is in this test',
  heading = 'Request binding',
): void {
  it(name, () => {
    expect(missingLines(readme, source, heading)).toEqual([])
  })
}

/** What itRefusesTheChangedInvoice needs of a README's app. */
export interface ReadmeApp {
  /** signer.fetch's bound POST of `init` to the README's route, its body changed by `change` on the way to the app. */
  post(change: Change | undefined, init: RequestInit): Promise<Response>
  /** The codes the app's onRejected logged. */
  rejected: unknown[]
  /** The body parser that reads a large body, checking it as it goes: adds a test of an 80 KiB invoice. */
  largeBodyReader?: string
  /**
   * The README's route, reached directly rather than through the public origin, and a signer of
   * the README's client: adds a test of an unbound token and of one bound to that URL.
   */
  direct?: { url: () => string; signer: { authorization(): Promise<string>; fetch(input: string, init?: RequestInit): Promise<Response> } }
}

/**
 * The tests of a README app's refusals (inside its `describe`): the invoice with its body changed by
 * one byte on the way is refused, 401 invalid_token with the usual JSON body, body_mismatch logged;
 * with `largeBodyReader`, the same for an 80 KiB invoice, accepted unchanged; with `direct`, an
 * unbound token (binding required) and one bound to the URL the app is reached at are refused.
 */
export function itRefusesTheChangedInvoice({ post, rejected, largeBodyReader, direct }: ReadmeApp): void {
  const refused = async (init: RequestInit) => {
    rejected.length = 0
    await expectInvalidToken(await post(oneByteOff, init))
    expect(rejected).toEqual(['body_mismatch'])
  }
  it("refuses the README's bound request with its body changed by one byte: 401, the usual body, body_mismatch logged", () => refused(invoice))
  if (largeBodyReader !== undefined) {
    it(`refuses a large body (80 KiB: checked as ${largeBodyReader} reads it) changed by one byte`, async () => {
      expect((await post(undefined, largeInvoice)).status).toBe(201)
      await refused(largeInvoice)
    })
  }
  if (direct !== undefined) {
    it('refuses an unbound token (binding required) and a token bound for another origin', async () => {
      rejected.length = 0
      await expectUnboundRefused(direct.signer, fetch, direct.url())
      const elsewhere = await direct.signer.fetch(direct.url(), { method: 'POST', body: '{"total":7}' })
      expect(elsewhere.status).toBe(401)
      expect(rejected).toEqual(['binding_required', 'url_mismatch'])
    })
  }
}

/** What the README hook tests send: `headers` to the README's route, answered with a status and a JSON body. */
export type SendHeaders = (headers: Record<string, string>) => Promise<{ status: number; body: unknown }>

/** A signer, as the README hook tests use it (core's `Signer`, structurally: no import here). */
export interface ReadmeSigner {
  token(): Promise<string>
  authorization(): Promise<string>
}

/** The README "Logging" tests: one token accepted (200), then refused as a replay (401). */
export async function acceptedThenReplayed(signer: ReadmeSigner, send: SendHeaders): Promise<void> {
  const authorization = await signer.authorization()
  expect((await send({ authorization })).status).toBe(200)
  expect((await send({ authorization })).status).toBe(401)
}

/**
 * The README "getToken" tests: a token in `x-ajwt-token` is accepted once (answered `{ for:
 * 'billing' }`) then refused, and a valid token in the Authorization header is not read (401).
 */
export async function expectTokenFromHeader(signer: ReadmeSigner, send: SendHeaders): Promise<void> {
  const token = await signer.token()
  const ok = await send({ 'x-ajwt-token': token })
  expect(ok.status).toBe(200)
  expect(ok.body).toEqual({ for: 'billing' })
  expect((await send({ 'x-ajwt-token': token })).status).toBe(401)
  expect((await send({ authorization: await signer.authorization() })).status).toBe(401)
}

/** The fields the READMEs' "Logging" snippets give `logger.warn` and `logger.debug`. */
export interface LoggedFields {
  code?: string
  detail?: string
  user?: string
  kid?: string
  path: string
}

/**
 * A logger shaped like the READMEs' (`logger.warn(fields, message)`), recording each line as
 * `message: code path` (warn) or `message: user path` (debug) in `logged`.
 */
export function recordingLogger(): { logged: string[]; logger: { warn(fields: LoggedFields, message: string): void; debug(fields: LoggedFields, message: string): void } } {
  const logged: string[] = []
  return {
    logged,
    logger: {
      warn: (fields, message) => void logged.push(`${message}: ${fields.code} ${fields.path}`),
      debug: (fields, message) => void logged.push(`${message}: ${fields.user} ${fields.path}`),
    },
  }
}
