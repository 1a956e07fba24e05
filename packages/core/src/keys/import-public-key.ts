import { exportJWK, importSPKI, type JWK } from 'jose'
import { AjwtError } from '../errors/ajwt-error.ts'
import { keyAlgorithmOid, OID_ED25519, OID_RSA_ENCRYPTION, rsaPublicKeyToSpki } from './der.ts'
import { parseOpenSshPublicKey } from './openssh.ts'
import { assertPublicKeyShape, OPENSSH_LINE, safeReason } from './key-shape.ts'
import { parsePem, toPem } from './pem.ts'
import { isPublicKey, publicKeyFromJwk, type PublicKey } from './public-key.ts'

/**
 * Any public key text or object that {@link importPublicKey} understands.
 *
 * @example
 * ```ts
 * const inputs: PublicKeyInput[] = ['ssh-ed25519 AAAAC3Nza… laptop', spkiPem, { kty: 'OKP', crv: 'Ed25519', x: '…' }]
 * ```
 */
export type PublicKeyInput = string | JWK | PublicKey

/**
 * Imports a client's public key once, for every later verification.
 *
 * Accepts an SPKI PEM (`-----BEGIN PUBLIC KEY-----`), a PKCS#1 PEM (`-----BEGIN RSA PUBLIC KEY-----`),
 * an OpenSSH line (`ssh-ed25519 …` / `ssh-rsa …`, its comment kept), a JWK (object or JSON text),
 * or an already imported key. Weak or degenerate keys are refused (see {@link assertKeyStrength}):
 * RSA outside 2048–8192 bits or with a public exponent that is not odd and from 65537 to 2^32,
 * Ed25519 points of small order. Errors are `AjwtError('invalid_key')` and never quote the key.
 *
 * @example
 * ```ts
 * const key = await importPublicKey(fs.readFileSync('client.pub', 'utf8'))
 * console.log(key.kid, key.algorithms)
 * ```
 */
export async function importPublicKey(input: PublicKeyInput, options: { comment?: string } = {}): Promise<PublicKey> {
  if (isPublicKey(input)) return input
  assertPublicKeyShape(input)
  try {
    if (typeof input !== 'string') return await publicKeyFromJwk(input, options.comment)
    const text = input.trim()
    if (text.startsWith('{')) return await publicKeyFromJwk(JSON.parse(text) as JWK, options.comment)
    if (OPENSSH_LINE.test(text)) {
      const { jwk, comment } = parseOpenSshPublicKey(text)
      return await publicKeyFromJwk(jwk, options.comment ?? comment)
    }
    // The shape check let through only PUBLIC KEY and RSA PUBLIC KEY blocks.
    const pem = parsePem(text)!
    const spki = pem.label === 'RSA PUBLIC KEY' ? rsaPublicKeyToSpki(pem.der) : pem.der
    return await publicKeyFromJwk(await spkiToJwk(spki), options.comment)
  } catch (cause) {
    if (cause instanceof AjwtError) throw cause
    throw new AjwtError('invalid_key', `unreadable public key: ${safeReason(cause)}`, { cause })
  }
}

async function spkiToJwk(der: Uint8Array): Promise<JWK> {
  const oid = keyAlgorithmOid(der, 'spki')
  const alg = oid === OID_RSA_ENCRYPTION ? 'RS256' : oid === OID_ED25519 ? 'Ed25519' : undefined
  if (!alg) throw new AjwtError('invalid_key', `unsupported public key algorithm ${oid} (use Ed25519 or RSA)`)
  const key = await importSPKI(toPem('PUBLIC KEY', der), alg, { extractable: true })
  return exportJWK(key)
}
