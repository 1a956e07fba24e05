import { exportJWK, importSPKI, type JWK } from 'jose'
import { AjwtError } from '../errors/ajwt-error.ts'
import { keyAlgorithmOid, OID_ED25519, OID_RSA_ENCRYPTION, rsaPublicKeyToSpki } from './der.ts'
import { parseOpenSshPublicKey } from './openssh.ts'
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
 * or an already imported key. RSA keys under 2048 bits are refused.
 *
 * @example
 * ```ts
 * const key = await importPublicKey(fs.readFileSync('client.pub', 'utf8'))
 * console.log(key.kid, key.algorithms)
 * ```
 */
export async function importPublicKey(input: PublicKeyInput, options: { comment?: string } = {}): Promise<PublicKey> {
  if (isPublicKey(input)) return input
  const isObject = typeof input === 'object' && input !== null
  if (!isObject && typeof input !== 'string') {
    throw new AjwtError('invalid_key', 'a public key must be text, a JWK or a PublicKey')
  }
  try {
    if (isObject) return await fromPublicJwk(input, options.comment)
    const text = input.trim()
    if (text.startsWith('{')) return await fromPublicJwk(JSON.parse(text) as unknown, options.comment)
    if (/^(?:ssh|ecdsa|sk)-[a-z0-9@.-]+ /.test(text)) {
      const { jwk, comment } = parseOpenSshPublicKey(text)
      return await publicKeyFromJwk(jwk, options.comment ?? comment)
    }
    const pem = parsePem(text)
    if (pem?.label === 'PUBLIC KEY') return await publicKeyFromJwk(await spkiToJwk(pem.der), options.comment)
    if (pem?.label === 'RSA PUBLIC KEY') {
      const spki = rsaPublicKeyToSpki(pem.der)
      return await publicKeyFromJwk(await spkiToJwk(spki), options.comment)
    }
    if (pem?.label.includes('PRIVATE')) {
      throw new AjwtError('invalid_key', 'this is a private key: give the server the public key only')
    }
  } catch (cause) {
    if (cause instanceof AjwtError) throw cause
    throw new AjwtError('invalid_key', `unreadable public key: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
  }
  throw new AjwtError(
    'invalid_key',
    'unrecognised public key: expected a PEM (PUBLIC KEY or RSA PUBLIC KEY), an OpenSSH line or a JWK',
  )
}

async function fromPublicJwk(jwk: unknown, comment: string | undefined): Promise<PublicKey> {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw new RangeError('a JWK must be a JSON object')
  if ('d' in jwk) throw new AjwtError('invalid_key', 'this is a private JWK: give the server the public key only')
  return publicKeyFromJwk(jwk as JWK, comment)
}

async function spkiToJwk(der: Uint8Array): Promise<JWK> {
  const oid = keyAlgorithmOid(der, 'spki')
  const alg = oid === OID_RSA_ENCRYPTION ? 'RS256' : oid === OID_ED25519 ? 'Ed25519' : undefined
  if (!alg) throw new AjwtError('invalid_key', `unsupported public key algorithm ${oid} (use Ed25519 or RSA)`)
  const key = await importSPKI(toPem('PUBLIC KEY', der), alg, { extractable: true })
  return exportJWK(key)
}
