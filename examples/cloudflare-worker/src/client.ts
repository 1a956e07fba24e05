// The client: signs each request with its private key, then shows what the Worker does with a
// replayed and a tampered token.
//   node src/client.ts http://127.0.0.1:8787
//   (AJWT_PRIVATE_KEY_FILE and AJWT_USERNAME default to what `pnpm keygen` wrote)
import { readFile } from 'node:fs/promises'
import { createSigner } from '@ajwt/core'
import { runClient } from './demo.ts'

const baseUrl = process.argv[2] ?? 'http://127.0.0.1:8787'
const keyFile = process.env.AJWT_PRIVATE_KEY_FILE ?? new URL('../.keys/demo.key', import.meta.url)
const privateKey = await readFile(keyFile, 'utf8').catch(() => {
  console.error('No private key: run `pnpm keygen` first (or set AJWT_PRIVATE_KEY_FILE).')
  process.exit(1)
})
const signer = createSigner({ username: process.env.AJWT_USERNAME ?? 'demo', privateKey })
const outcomes = await runClient(baseUrl, signer)
for (const o of outcomes) {
  console.log(`${o.ok ? '✔' : '✘'} ${o.name.padEnd(42)} → ${o.status} (expected ${o.expected})  ${o.body}`)
}
process.exitCode = outcomes.every((o) => o.ok) ? 0 : 1
