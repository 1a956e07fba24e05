import { exportJWK, importPKCS8, type JWK } from 'jose'
import { AjwtError } from '../errors/ajwt-error.ts'
import { keyAlgorithmOid, OID_ED25519, OID_RSA_ENCRYPTION, rsaPrivateKeyToPkcs8 } from './der.ts'
import { decryptPkcs8 } from './encrypted-pkcs8.ts'
import { assertKeyInputType, looksLikeFilePath, READ_THE_FILE, safeReason } from './key-shape.ts'
import { parseOpenSshPrivateKey } from './openssh.ts'
import { parsePem, toPem } from './pem.ts'
import { isPrivateKey, privateKeyFromJwk, type PrivateKey } from './private-key.ts'

/**
 * Any private key text or object that {@link importPrivateKey} understands.
 *
 * @example
 * ```ts
 * const input: PrivateKeyInput = await readFile('client.key', 'utf8') // PKCS#8, PKCS#1, OpenSSH or JWK JSON
 * ```
 */
export type PrivateKeyInput = string | JWK | PrivateKey

/**
 * Imports a client's private key for signing.
 *
 * Accepts PKCS#8 PEM (plain, or `ENCRYPTED PRIVATE KEY` with `passphrase`), PKCS#1 PEM
 * (`RSA PRIVATE KEY`), an unencrypted OpenSSH Ed25519 key (`OPENSSH PRIVATE KEY`) and a private
 * JWK. Keys whose public half is weak or degenerate are refused as by `importPublicKey` (RSA
 * outside 2048–8192 bits or with a bad public exponent). Errors are `AjwtError('invalid_key')` and
 * never quote the key.
 *
 * @example
 * ```ts
 * const key = await importPrivateKey(await readFile('client.key', 'utf8'), { passphrase })
 * const signer = createSigner({ username: 'billing', privateKey: key })
 * ```
 */
export async function importPrivateKey(
  input: PrivateKeyInput,
  options: { passphrase?: string } = {},
): Promise<PrivateKey> {
  if (isPrivateKey(input)) return input
  assertKeyInputType(input, 'private')
  try {
    if (typeof input !== 'string') return await privateKeyFromJwk(input)
    const text = input.trim()
    if (text.startsWith('{')) return await fromPrivateJwkText(text)
    const pem = parsePem(text)
    if (!pem) {
      if (looksLikeFilePath(text)) {
        throw new AjwtError('invalid_key', `this looks like a file path: ${READ_THE_FILE}, and pass its content`)
      }
      throw new AjwtError('invalid_key', 'unrecognised private key: expected a PEM (PKCS#8, PKCS#1 or OpenSSH) or a JWK')
    }
    if (pem.headers) {
      throw new AjwtError(
        'invalid_key',
        'legacy encrypted PEM (Proc-Type headers) is not supported: convert it to encrypted PKCS#8 with `openssl pkcs8 -topk8`',
      )
    }
    switch (pem.label) {
      case 'PRIVATE KEY':
        return await privateKeyFromJwk(await pkcs8ToJwk(pem.der))
      case 'RSA PRIVATE KEY':
        return await privateKeyFromJwk(await pkcs8ToJwk(rsaPrivateKeyToPkcs8(pem.der)))
      case 'ENCRYPTED PRIVATE KEY': {
        if (options.passphrase === undefined) {
          throw new AjwtError('invalid_key', 'this private key is encrypted: a passphrase is required')
        }
        if (typeof options.passphrase !== 'string') throw new AjwtError('invalid_key', 'the passphrase must be a string')
        let der: Uint8Array<ArrayBuffer>
        try {
          der = await decryptPkcs8(pem.der, options.passphrase)
        } catch (cause) {
          if (cause instanceof AjwtError) throw cause
          throw new AjwtError('invalid_key', 'wrong passphrase, or the encrypted key is damaged', { cause })
        }
        return await privateKeyFromJwk(await pkcs8ToJwk(der))
      }
      case 'OPENSSH PRIVATE KEY':
        return await privateKeyFromJwk(parseOpenSshPrivateKey(pem.der))
      default:
        throw new AjwtError('invalid_key', `unsupported PEM block "${pem.label}": a private key is needed`)
    }
  } catch (cause) {
    if (cause instanceof AjwtError) throw cause
    throw new AjwtError('invalid_key', `unreadable private key: ${safeReason(cause)}`, { cause })
  }
}

function fromPrivateJwkText(text: string): Promise<PrivateKey> {
  let jwk: unknown
  try {
    jwk = JSON.parse(text)
  } catch (cause) {
    // JSON.parse quotes the text around the error, here a secret: never repeat its message.
    throw new AjwtError('invalid_key', 'unreadable private key: the JWK text is not valid JSON', { cause })
  }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw new RangeError('a JWK must be a JSON object')
  return privateKeyFromJwk(jwk as JWK)
}

async function pkcs8ToJwk(der: Uint8Array): Promise<JWK> {
  let oid: string
  try {
    oid = keyAlgorithmOid(der, 'pkcs8')
  } catch (cause) {
    throw new AjwtError('invalid_key', 'wrong passphrase, or not a PKCS#8 private key', { cause })
  }
  const alg = oid === OID_RSA_ENCRYPTION ? 'RS512' : oid === OID_ED25519 ? 'Ed25519' : undefined
  if (!alg) throw new AjwtError('invalid_key', `unsupported private key algorithm ${oid} (use Ed25519 or RSA)`)
  const key = await importPKCS8(toPem('PRIVATE KEY', der), alg, { extractable: true })
  return exportJWK(key)
}
