// Key files for running the server and the client as two separate processes:
//   .keys/billing.key  the client's private key (PKCS#8 PEM, readable only by you)
//   .keys/billing.pub  its public key (SPKI PEM), which the server trusts for user "billing"
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { generateKeyPair, type GeneratedKeyPair } from '@ajwt/core'

export const USERNAME = 'billing'
const dir = fileURLToPath(new URL('../.keys/', import.meta.url))

/** Reads the example key pair, creating an Ed25519 pair the first time. */
export async function loadKeyPair(): Promise<GeneratedKeyPair> {
  try {
    const [privateKey, publicKey] = await Promise.all([
      readFile(`${dir}${USERNAME}.key`, 'utf8'),
      readFile(`${dir}${USERNAME}.pub`, 'utf8'),
    ])
    return { privateKey, publicKey }
  } catch {
    const pair = await generateKeyPair('ed25519')
    await mkdir(dir, { recursive: true })
    await writeFile(`${dir}${USERNAME}.key`, pair.privateKey, { mode: 0o600 })
    await writeFile(`${dir}${USERNAME}.pub`, pair.publicKey)
    return pair
  }
}
