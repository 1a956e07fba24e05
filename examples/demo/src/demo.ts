// The ajwt demo: one process runs a server and a client that signs its requests.
//   node src/demo.ts
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type AjwtError,
  createAuthenticator,
  createSigner,
  generateKeyPair,
  importPublicKey,
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
const authenticate = createAuthenticator({
  keys: new MemoryKeyStore({ billing: [publicKey] }),
  nonces: new MemoryNonceStore(),
  onRejected: (error: AjwtError) => serverLog.push(`${error.code}: ${error.detail}`),
})

const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
  const result = await authenticate(req.headers.authorization)
  if (!result.ok) {
    res.writeHead(result.error.status, { ...result.error.headers, 'content-type': 'application/json' })
    res.end(JSON.stringify(result.error.body))
    return
  }
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ hello: result.auth?.username, path: req.url }))
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/invoices`

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

server.close()
console.log(failures === 0 ? green('\nall outcomes as expected') : red(`\n${failures} unexpected outcome(s)`))
process.exitCode = failures === 0 ? 0 : 1
