// A client that signs its requests with its private key.
//   node src/client.ts [url]      signs requests to url (default http://127.0.0.1:3000) with .keys/billing.key
import { createSigner, type Signer } from '@ajwt/core'
import { loadKeyPair, USERNAME } from './keys.ts'

export interface Outcome {
  title: string
  expected: number
  status: number
  body: string
  wwwAuthenticate: string | null
}

/**
 * Sends the example's requests to `baseUrl`: signed ones are accepted, a replayed token and a
 * tampered token are rejected. Calls `onOutcome` after each; resolves to true when every status
 * is the expected one.
 */
export async function runClient(baseUrl: string, signer: Signer, onOutcome: (outcome: Outcome) => void = print): Promise<boolean> {
  const url = new URL('/api/invoices', baseUrl)
  let ok = true
  const step = async (title: string, expected: number, send: () => Promise<Response>) => {
    const res = await send()
    const outcome = { title, expected, status: res.status, body: await res.text(), wwwAuthenticate: res.headers.get('www-authenticate') }
    ok &&= outcome.status === expected
    onOutcome(outcome)
  }
  const withToken = (token: string) => fetch(url, { headers: { authorization: `JWT ${token}` } })

  // signer.fetch signs every call with a fresh token (a new time and nonce).
  await step('1. signed request (signer.fetch)', 200, () => signer.fetch(url))
  await step('2. signed POST with a JSON body', 201, () =>
    signer.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ total: 7 }) }),
  )

  const token = await signer.token()
  await step('3. a token sent once', 200, () => withToken(token))
  await step('4. the same token again (replay)', 401, () => withToken(token))

  const [header, payload, signature] = (await signer.token()).split('.')
  const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>
  const forged = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')
  await step('5. tampered token (adds role: admin)', 401, () => withToken(`${header}.${forged}.${signature}`))
  return ok
}

export function print({ title, expected, status, body, wwwAuthenticate }: Outcome): void {
  const verdict = status < 300 ? 'accepted' : 'rejected'
  console.log(`${status === expected ? '✔' : '✘'} ${title.padEnd(38)} → ${status} ${verdict}  ${body}`)
  if (wwwAuthenticate) console.log(`    WWW-Authenticate: ${wwwAuthenticate}`)
}

if (import.meta.main) {
  const baseUrl = process.argv[2] ?? 'http://127.0.0.1:3000'
  const { privateKey } = await loadKeyPair()
  const ok = await runClient(baseUrl, createSigner({ username: USERNAME, privateKey }))
  process.exitCode = ok ? 0 : 1
}
