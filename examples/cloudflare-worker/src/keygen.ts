// Makes the demo client's key pair: the private key in .keys/demo.key (mode 0600), and the public
// key in .dev.vars as AJWT_KEYS, which `wrangler dev` reads. Both files are git-ignored.
//   node src/keygen.ts [username]
import { writeFile } from 'node:fs/promises'
import { writeKeyPair } from '@ajwt/example-kit/keys'

const username = process.argv[2] ?? 'demo'
const root = new URL('../', import.meta.url)
const { publicKey } = await writeKeyPair(root, username)
// Single quotes: the value is taken literally (the JSON holds escaped newlines of the PEM).
await writeFile(new URL('.dev.vars', root), `AJWT_KEYS='${JSON.stringify({ [username]: [publicKey] })}'\n`)
console.log(`wrote .keys/${username}.key and .dev.vars (AJWT_KEYS trusts ${username}'s public key)`)
