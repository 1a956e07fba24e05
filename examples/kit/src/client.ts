// The demo requests every example's client sends, on Web APIs only: the same code runs in Node
// and inside workerd (the Worker example's test sends them through the Worker's own fetch).
import type { Signer } from '@ajwt/core'

export interface Outcome {
  title: string
  expected: number
  status: number
  body: string
  wwwAuthenticate: string | null
  ok: boolean
}

export type Fetch = (input: Request | string | URL, init?: RequestInit) => Promise<Response>

export interface DemoOptions {
  /** The fetch for the unsigned and hand-made requests (the signer brings its own). */
  fetch?: Fetch
  /** Called after each request; prints it by default. */
  onOutcome?: (outcome: Outcome) => void
}

const toBase64url = (text: string) => btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
const fromBase64url = (text: string) => atob(text.replace(/-/g, '+').replace(/_/g, '/'))

/** Changes the claims of a signed token without re-signing it: what an attacker would try. */
export function tamper(token: string): string {
  const [header, payload, signature] = token.split('.')
  const claims = JSON.parse(fromBase64url(payload ?? '')) as Record<string, unknown>
  return `${header}.${toBase64url(JSON.stringify({ ...claims, role: 'admin' }))}.${signature}`
}

/**
 * Sends the demo requests to `${baseUrl}/api/invoices`: a signed GET and a signed POST are
 * accepted; a token sent twice is accepted once, then rejected as a replay; a tampered token and
 * a request without a token are rejected. Resolves to every outcome, and whether all statuses
 * were the expected ones.
 *
 * @example
 * const { ok } = await runDemo('http://127.0.0.1:3000', createSigner({ username, privateKey }))
 */
export async function runDemo(
  baseUrl: string | URL,
  signer: Signer,
  { fetch: send = fetch, onOutcome = printOutcome }: DemoOptions = {},
): Promise<{ ok: boolean; outcomes: Outcome[] }> {
  const url = new URL('/api/invoices', baseUrl)
  const outcomes: Outcome[] = []
  const step = async (title: string, expected: number, request: () => Promise<Response>) => {
    const res = await request()
    const outcome: Outcome = {
      title,
      expected,
      status: res.status,
      body: await res.text(),
      wwwAuthenticate: res.headers.get('www-authenticate'),
      ok: res.status === expected,
    }
    outcomes.push(outcome)
    onOutcome(outcome)
  }
  const withToken = (token: string) => () => send(url, { headers: { authorization: `JWT ${token}` } })

  // signer.fetch signs every call with a fresh token (a new time and nonce).
  await step('1. signed GET (signer.fetch)', 200, () => signer.fetch(url))
  await step('2. signed POST with a JSON body', 201, () =>
    signer.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ total: 7 }) }),
  )
  const token = await signer.token()
  await step('3. a token sent once', 200, withToken(token))
  await step('4. the same token again (replay)', 401, withToken(token))
  await step('5. tampered token (adds role: admin)', 401, withToken(tamper(await signer.token())))
  await step('6. no Authorization header', 401, () => send(url))
  return { ok: outcomes.every((o) => o.ok), outcomes }
}

/** One line per outcome (✔ when the status is the expected one), and the WWW-Authenticate header. */
export function printOutcome({ title, expected, status, body, wwwAuthenticate, ok }: Outcome): void {
  const verdict = status < 300 ? 'accepted' : 'rejected'
  console.log(`${ok ? '✔' : '✘'} ${title.padEnd(38)} → ${status} ${verdict} (expected ${expected})  ${body}`)
  if (wwwAuthenticate) console.log(`    WWW-Authenticate: ${wwwAuthenticate}`)
}
