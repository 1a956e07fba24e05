// Key files for running an example's server and client as two processes:
//   <example>/.keys/<username>.key  the client's private key (PKCS#8 PEM, readable only by you)
//   <example>/.keys/<username>.pub  its public key (SPKI PEM), which the server trusts
// AJWT_PRIVATE_KEY_FILE / AJWT_PUBLIC_KEY_FILE name other files, AJWT_USERNAME another user.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { generateKeyPair, type GeneratedKeyPair, MemoryKeyStore } from '@ajwt/core'

export interface KeyFileOptions {
  /** The user when AJWT_USERNAME is not set (default `billing`). */
  defaultUsername?: string
  /** Create an Ed25519 pair in `.keys/` when there is none yet (default true). */
  create?: boolean
}

/**
 * Writes a fresh Ed25519 pair to `<exampleDir>/.keys/<username>.key` (mode 0600) and `.pub`.
 *
 * @example
 * const { publicKey } = await writeKeyPair(new URL('..', import.meta.url), 'demo')
 */
export async function writeKeyPair(exampleDir: URL, username: string): Promise<GeneratedKeyPair> {
  const pair = await generateKeyPair('ed25519')
  const dir = new URL('.keys/', exampleDir)
  await mkdir(dir, { recursive: true })
  await writeFile(new URL(`${username}.key`, dir), pair.privateKey, { mode: 0o600 })
  await writeFile(new URL(`${username}.pub`, dir), pair.publicKey)
  return pair
}

async function readKey(which: 'key' | 'pub', exampleDir: URL, options: KeyFileOptions): Promise<{ username: string; pem: string }> {
  const username = process.env.AJWT_USERNAME ?? options.defaultUsername ?? 'billing'
  const named = process.env[which === 'key' ? 'AJWT_PRIVATE_KEY_FILE' : 'AJWT_PUBLIC_KEY_FILE']
  if (named) return { username, pem: await readFile(named, 'utf8') }
  const file = new URL(`.keys/${username}.${which}`, exampleDir)
  try {
    return { username, pem: await readFile(file, 'utf8') }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || options.create === false) {
      throw new Error(`cannot read ${fileURLToPath(file)}`, { cause: error })
    }
    const pair = await writeKeyPair(exampleDir, username)
    return { username, pem: which === 'key' ? pair.privateKey : pair.publicKey }
  }
}

/**
 * The client side: the user and the private key it signs with.
 *
 * @example
 * const { username, privateKey } = await readPrivateKey(new URL('..', import.meta.url))
 * const signer = createSigner({ username, privateKey })
 */
export async function readPrivateKey(exampleDir: URL, options: KeyFileOptions = {}): Promise<{ username: string; privateKey: string }> {
  const { username, pem } = await readKey('key', exampleDir, options)
  return { username, privateKey: pem }
}

/**
 * The server side: a key store that trusts the client's public key, checked before the server starts.
 *
 * @example
 * const { username, keys } = await trustedKeys(new URL('..', import.meta.url))
 */
export async function trustedKeys(exampleDir: URL, options: KeyFileOptions = {}): Promise<{ username: string; keys: MemoryKeyStore }> {
  const { username, pem } = await readKey('pub', exampleDir, options)
  const keys = new MemoryKeyStore({ [username]: [pem] })
  await keys.loaded()
  return { username, keys }
}
