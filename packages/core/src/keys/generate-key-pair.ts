import { exportPKCS8, exportSPKI, generateKeyPair as joseGenerateKeyPair } from 'jose'
import { AjwtError } from '../errors/ajwt-error.ts'
import { MAX_RSA_BITS, MIN_RSA_BITS } from './public-key.ts'

/**
 * A new key pair as PEM text: give `publicKey` to the server, keep `privateKey` on the client.
 *
 * @example
 * ```ts
 * const { privateKey, publicKey }: GeneratedKeyPair = await generateKeyPair()
 * await writeFile('client.key', privateKey, { mode: 0o600 })
 * ```
 */
export interface GeneratedKeyPair {
  /** PKCS#8 PEM. */
  privateKey: string
  /** SubjectPublicKeyInfo PEM. */
  publicKey: string
}

/**
 * Generates a key pair for a client. Ed25519 by default (small, fast to sign); RSA of 2048, 3072
 * or 4096 bits (at most 8192) when `'rsa'` is asked for (fast to verify on Node), with the public
 * exponent 65537. Every pair passes the checks that `importPublicKey` makes.
 *
 * @example
 * ```ts
 * const { privateKey, publicKey } = await generateKeyPair()          // Ed25519
 * const rsa = await generateKeyPair('rsa', { modulusLength: 3072 })
 * ```
 */
export async function generateKeyPair(
  type: 'ed25519' | 'rsa' = 'ed25519',
  options: { modulusLength?: number } = {},
): Promise<GeneratedKeyPair> {
  if (type !== 'ed25519' && type !== 'rsa') {
    throw new AjwtError('invalid_options', `unknown key type "${String(type)}": use 'ed25519' or 'rsa'`)
  }
  const modulusLength = options.modulusLength ?? 2048
  if (type === 'rsa' && (!Number.isInteger(modulusLength) || modulusLength < MIN_RSA_BITS || modulusLength > MAX_RSA_BITS)) {
    throw new AjwtError(
      'invalid_options',
      `RSA modulus of ${modulusLength} bits refused: from ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits (2048, 3072 or 4096)`,
    )
  }
  const pair =
    type === 'rsa'
      ? await joseGenerateKeyPair('RS512', { modulusLength, extractable: true })
      : await joseGenerateKeyPair('Ed25519', { extractable: true })
  const publicKey = await exportSPKI(pair.publicKey)
  const privateKey = await exportPKCS8(pair.privateKey)
  return {
    privateKey: privateKey.endsWith('\n') ? privateKey : `${privateKey}\n`,
    publicKey: publicKey.endsWith('\n') ? publicKey : `${publicKey}\n`,
  }
}
