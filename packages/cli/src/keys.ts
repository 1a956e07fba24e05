import { importPrivateKey, importPublicKey, isAjwtError, type PrivateKey, type PublicKey } from '@ajwt/core'
import { CliError } from './errors.ts'
import type { InputReader } from './io.ts'

function named(path: string, error: unknown): unknown {
  return isAjwtError(error) ? new CliError(`${path === '-' ? 'stdin' : path}: ${error.detail}`) : error
}

/** Reads and imports a public key file, naming the file in any error. */
export async function readPublicKey(input: InputReader, path: string, text?: string): Promise<PublicKey> {
  text ??= await input.text(path, 'public key')
  try {
    return await importPublicKey(text)
  } catch (error) {
    throw named(path, error)
  }
}

/** Reads and imports a private key file (decrypting it with the passphrase file), naming the file in any error. */
export async function readPrivateKey(
  input: InputReader,
  path: string,
  passphraseFile: string | undefined,
  text?: string,
): Promise<PrivateKey> {
  text ??= await input.text(path, 'private key')
  const passphrase = await input.passphrase(passphraseFile)
  try {
    return await importPrivateKey(text, passphrase === undefined ? {} : { passphrase })
  } catch (error) {
    throw named(path, error)
  }
}
