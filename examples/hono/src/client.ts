// The client: signs each request with its private key, then shows what the server does with
// a replayed and a tampered token.
//   AJWT_PRIVATE_KEY_FILE=billing.key node src/client.ts http://127.0.0.1:3000
import { readFile } from 'node:fs/promises'
import { createSigner, type Signer } from '@ajwt/core'

export interface Outcome {
  name: string
  expected: number
  status: number
  body: string
  ok: boolean
}

/** Changes the claims of a signed token without re-signing it: what an attacker would try. */
function tamper(token: string): string {
  const [header, payload, signature] = token.split('.')
  const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>
  const forged = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')
  return `${header}.${forged}.${signature}`
}

export async function runClient(baseUrl: string, signer: Signer): Promise<Outcome[]> {
  const url = new URL('/api/invoices', baseUrl)
  const outcomes: Outcome[] = []
  const check = async (name: string, expected: number, send: () => Promise<Response>) => {
    const res = await send()
    const body = await res.text()
    outcomes.push({ name, expected, status: res.status, body, ok: res.status === expected })
  }
  const withToken = (token: string) => () => fetch(url, { headers: { authorization: `JWT ${token}` } })

  await check('accepted: signer.fetch', 200, () => signer.fetch(url))
  const token = await signer.token()
  await check('accepted: a fresh token', 200, withToken(token))
  await check('rejected: the same token again (replay)', 401, withToken(token))
  await check('rejected: tampered token', 401, withToken(tamper(await signer.token())))
  await check('rejected: no Authorization header', 401, () => fetch(url))
  return outcomes
}

export function printOutcomes(outcomes: readonly Outcome[]): void {
  for (const o of outcomes) {
    console.log(`${o.ok ? '✔' : '✘'} ${o.name.padEnd(42)} → ${o.status} (expected ${o.expected})  ${o.body}`)
  }
}

if (import.meta.main) {
  const baseUrl = process.argv[2] ?? 'http://127.0.0.1:3000'
  const file = process.env.AJWT_PRIVATE_KEY_FILE
  if (!file) {
    console.error('Set AJWT_PRIVATE_KEY_FILE to the client\'s private key file (see README.md).')
    process.exit(2)
  }
  const signer = createSigner({ username: process.env.AJWT_USERNAME ?? 'billing', privateKey: await readFile(file, 'utf8') })
  const outcomes = await runClient(baseUrl, signer)
  printOutcomes(outcomes)
  process.exitCode = outcomes.every((o) => o.ok) ? 0 : 1
}
