// What the client does, on Web APIs only (so the smoke test can run it inside workerd too):
// signed requests, then a replayed and a tampered token.
import type { Signer } from '@ajwt/core'

export interface Outcome {
  name: string
  expected: number
  status: number
  body: string
  ok: boolean
}

type Fetch = (input: Request | string | URL, init?: RequestInit) => Promise<Response>

const toBase64url = (text: string) => btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
const fromBase64url = (text: string) => atob(text.replace(/-/g, '+').replace(/_/g, '/'))

/** Changes the claims of a signed token without re-signing it: what an attacker would try. */
function tamper(token: string): string {
  const [header, payload, signature] = token.split('.')
  const claims = JSON.parse(fromBase64url(payload ?? '')) as Record<string, unknown>
  return `${header}.${toBase64url(JSON.stringify({ ...claims, username: 'admin' }))}.${signature}`
}

/** Sends the demo requests; `send` is the fetch to use (the Worker's own fetch in tests). */
export async function runClient(baseUrl: string, signer: Signer, send: Fetch = fetch): Promise<Outcome[]> {
  const url = new URL('/api/invoices', baseUrl)
  const outcomes: Outcome[] = []
  const check = async (name: string, expected: number, request: () => Promise<Response>) => {
    const res = await request()
    const body = await res.text()
    outcomes.push({ name, expected, status: res.status, body, ok: res.status === expected })
  }
  const withToken = (token: string) => () => send(url, { headers: { authorization: `JWT ${token}` } })

  await check('accepted: signer.fetch', 200, () => signer.fetch(url))
  const token = await signer.token()
  await check('accepted: a fresh token', 200, withToken(token))
  await check('rejected: the same token again (replay)', 401, withToken(token))
  await check('rejected: tampered token', 401, withToken(tamper(await signer.token())))
  await check('rejected: no Authorization header', 401, () => send(url))
  return outcomes
}
