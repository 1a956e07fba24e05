// The ajwt demo: one process runs a server and a client that signs its requests (and binds them).
//   node src/demo.ts
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { text } from 'node:stream/consumers'
import {
  type AjwtError,
  createNodeAuthenticator,
  createSigner,
  generateKeyPair,
  importPublicKey,
  isAjwtError,
  MemoryKeyStore,
  MemoryNonceStore,
} from '@ajwt/core'

const color = process.stdout.isTTY && !process.env.NO_COLOR
const paint = (code: number, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text)
const green = (text: string) => paint(32, text)
const red = (text: string) => paint(31, text)
const dim = (text: string) => paint(2, text)

// The client's key pair. In real life the client keeps privateKey and gives the server publicKey.
const { privateKey, publicKey } = await generateKeyPair('ed25519')
const kid = (await importPublicKey(publicKey)).kid

// ---- server -------------------------------------------------------------------------------
const serverLog: string[] = []

function refuse(res: ServerResponse, error: AjwtError) {
  res.writeHead(error.status, { ...error.headers, 'content-type': 'application/json' })
  res.end(JSON.stringify(error.body))
}

const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
  // Before anything reads the body: a token that binds it has it checked as it is read.
  const result = await authenticate(req)
  if (!result.ok) return refuse(res, result.error)
  try {
    const body = await text(req) // the checked body, or the AjwtError (body_mismatch)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ hello: result.auth?.username, path: req.url, ...(body ? { received: JSON.parse(body) } : {}) }))
  } catch (error) {
    if (isAjwtError(error)) return refuse(res, error)
    res.writeHead(400).end()
  }
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
const url = `${origin}/invoices`

// Request binding: tokens that bind their request are checked against it (method, URL, body);
// `origins` is this service's public origin, so a token made for another service is refused.
const authenticate = createNodeAuthenticator({
  keys: new MemoryKeyStore({ billing: [publicKey] }),
  nonces: new MemoryNonceStore(),
  origins: [origin],
  onRejected: (error: AjwtError) => serverLog.push(`${error.code}: ${error.detail}`),
})

// ---- client -------------------------------------------------------------------------------
const signer = createSigner({ username: 'billing', privateKey })

console.log(`ajwt demo — server on ${url}`)
console.log(`client "billing" signs with an Ed25519 key, kid ${kid.slice(0, 16)}…\n`)

let failures = 0
async function step(title: string, expected: number, send: () => Promise<Response>) {
  serverLog.length = 0
  const res = await send()
  const body = await res.text()
  const ok = res.status === expected
  if (!ok) failures++
  const verdict = res.status === 200 ? green('accepted') : red('rejected')
  console.log(`${ok ? green('✔') : red('✘')} ${title.padEnd(42)} → ${res.status} ${verdict}  ${dim(body)}`)
  const www = res.headers.get('www-authenticate')
  if (www) console.log(dim(`    WWW-Authenticate: ${www}`))
  for (const line of serverLog) console.log(dim(`    server log: ${line}`))
}

const token = await signer.token()
await step('1. signed request', 200, () => fetch(url, { headers: { authorization: `JWT ${token}` } }))
await step('2. the same token again (replay)', 401, () => fetch(url, { headers: { authorization: `JWT ${token}` } }))

const fresh = await signer.token()
const [header, payload, signature] = fresh.split('.')
const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString())
const forged = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')
await step('3. tampered token (adds role: admin)', 401, () =>
  fetch(url, { headers: { authorization: `JWT ${header}.${forged}.${signature}` } }),
)
await step('4. no Authorization header', 401, () => fetch(url))
await step('5. signer.fetch (a fresh token each call)', 200, () => signer.fetch(url))

// signer.fetch binds the token to the request: method, URL and the exact body bytes.
const invoice = JSON.stringify({ invoice: 42, total: 7 })
const json = { 'content-type': 'application/json' }
await step('6. signer.fetch POST with a JSON body', 200, () => signer.fetch(url, { method: 'POST', headers: json, body: invoice }))
// The same kind of bound token, with the body changed by one byte on the way (total 7 → 9).
const bound = await signer.authorization({ method: 'POST', url, body: invoice })
await step('7. bound token, body changed by one byte', 401, () =>
  fetch(url, { method: 'POST', headers: { ...json, authorization: bound }, body: invoice.replace('7', '9') }),
)

server.close()
console.log(failures === 0 ? green('\nall outcomes as expected') : red(`\n${failures} unexpected outcome(s)`))
process.exitCode = failures === 0 ? 0 : 1
