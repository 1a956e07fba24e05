import { importPrivateKey, importPublicKey, isAjwtError, type PrivateKey, type PublicKey } from '@ajwt/core'
import { CliError } from './errors.ts'
import type { InputReader } from './io.ts'

// Key files hold their material in long base64 / base64url runs (PEM bodies, JWK members).
const MATERIAL = /[A-Za-z0-9+/_=-]{16,}/g
const WINDOW = 6

// An OpenSSH line starts with its key type (ssh-ed25519, ecdsa-sha2-nistp256): a name, not material.
const OPENSSH_TYPE = /^[ \t]*(?:ssh|ecdsa|sk)-[a-z0-9@.-]+/gm

/** Whether `message` repeats any 6 characters of the key material in `text`. */
export function quotesKeyMaterial(message: string, text: string): boolean {
  for (const [run] of text.replace(OPENSSH_TYPE, '').matchAll(MATERIAL)) {
    for (let i = 0; i + WINDOW <= run.length; i++) {
      if (message.includes(run.slice(i, i + WINDOW))) return true
    }
  }
  return false
}

/**
 * The error to show for a key file that could not be imported: the file's name and what is
 * wrong with it, never its content. Core's messages do not quote keys; should one ever do, or
 * should anything else be thrown, only a generic reason is shown.
 */
function named(path: string, what: string, text: string, error: unknown): CliError {
  const file = path === '-' ? 'stdin' : path
  const detail = isAjwtError(error) ? error.detail : undefined
  if (detail === undefined || quotesKeyMaterial(detail, text)) {
    return new CliError(`${file}: unreadable ${what}: not a key in a supported format, or damaged`)
  }
  return new CliError(`${file}: ${detail}`)
}

/** Reads and imports a public key file, naming the file in any error. */
export async function readPublicKey(input: InputReader, path: string, text?: string): Promise<PublicKey> {
  text ??= await input.text(path, 'public key')
  try {
    return await importPublicKey(text)
  } catch (error) {
    throw named(path, 'public key', text, error)
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
    throw named(path, 'private key', text, error)
  }
}
