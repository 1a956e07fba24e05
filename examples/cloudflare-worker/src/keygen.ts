// Makes the demo client's key pair: the private key in .keys/demo.key (mode 0600), and the public
// key in .dev.vars as AJWT_KEYS, which `wrangler dev` reads. Both files are git-ignored.
//   node src/keygen.ts [username]
import { mkdir, writeFile } from 'node:fs/promises'
import { generateKeyPair } from '@ajwt/core'

const username = process.argv[2] ?? 'demo'
const root = new URL('../', import.meta.url)
const { privateKey, publicKey } = await generateKeyPair('ed25519')
await mkdir(new URL('.keys/', root), { recursive: true })
await writeFile(new URL(`.keys/${username}.key`, root), privateKey, { mode: 0o600 })
// Single quotes: the value is taken literally (the JSON holds escaped newlines of the PEM).
await writeFile(new URL('.dev.vars', root), `AJWT_KEYS='${JSON.stringify({ [username]: [publicKey] })}'\n`)
console.log(`wrote .keys/${username}.key and .dev.vars (AJWT_KEYS trusts ${username}'s public key)`)
