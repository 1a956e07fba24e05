// Synchronous checks of what a key input looks like, so that a wrong argument (a file path, a
// Buffer, a private key, an EC key, a weak key) fails where it is given, with a message that says
// what to do. The import itself stays asynchronous (WebCrypto) and remains the final word: an
// input that passes here may still be refused there (a damaged PEM body, say).
import { base64url, type JWK } from 'jose'
import { AjwtError } from '../errors/ajwt-error.ts'
import { keyAlgorithmOid, OID_ED25519, OID_RSA_ENCRYPTION, readRsaPublicKey, spkiKeyBytes } from './der.ts'
import { parseOpenSshPublicKey } from './openssh.ts'
import { parsePem, pemLabel } from './pem.ts'
import { assertKeyStrength, isPublicKey } from './public-key.ts'

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'] as const
export const OPENSSH_LINE = /^(?:ssh|ecdsa|sk)-[a-z0-9@.-]+\s/
const PUBLIC_FORMATS = 'expected a PEM (PUBLIC KEY or RSA PUBLIC KEY), an OpenSSH line or a JWK'
export const READ_THE_FILE = "read the file, e.g. readFileSync(path, 'utf8')"

/**
 * Whether key text is more likely a file name than a key: one short token that starts like a path
 * or ends in a file extension (base64, PEM and JWK text never do).
 */
export function looksLikeFilePath(text: string): boolean {
  const value = text.trim()
  if (value.length === 0 || value.length > 1024 || /\s/.test(value) || value.startsWith('{')) return false
  return /^(?:\.{1,2}[\\/]|~[\\/]?|\/|\\\\|[A-Za-z]:[\\/])/.test(value) || /\.[A-Za-z][A-Za-z0-9]{0,7}$/.test(value)
}

/** Refuses bytes, numbers and other values that are no key input at all. */
export function assertKeyInputType(input: unknown, what: 'public' | 'private'): asserts input is string | object {
  if (typeof input === 'string') return
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
    throw new AjwtError(
      'invalid_key',
      `a ${what} key must be text, not bytes: decode them first, e.g. readFileSync(path, 'utf8') or buffer.toString('utf8')`,
    )
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    const kind = input == null ? String(input) : Array.isArray(input) ? 'an array' : `a ${typeof input}`
    throw new AjwtError('invalid_key', `a ${what} key must be text, a JWK or an imported key, not ${kind}`)
  }
}

/**
 * Throws the `invalid_key` error that {@link importPublicKey} would throw for `input`, when it can
 * be known without WebCrypto: wrong type, file path, private key, unsupported key type, a key that
 * {@link assertKeyStrength} refuses, text that is no key format. Never quotes the input.
 */
export function assertPublicKeyShape(input: unknown): void {
  if (isPublicKey(input)) return
  assertKeyInputType(input, 'public')
  if (typeof input !== 'string') return assertPublicJwkShape(input)
  const text = input.trim()
  if (text === '') throw new AjwtError('invalid_key', `empty public key: ${PUBLIC_FORMATS}`)
  if (text.startsWith('{')) {
    let jwk: unknown
    try {
      jwk = JSON.parse(text)
    } catch (cause) {
      // JSON.parse quotes the text around the error: never repeat its message.
      throw new AjwtError('invalid_key', 'unreadable public key: the JWK text is not valid JSON', { cause })
    }
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
      throw new AjwtError('invalid_key', 'unreadable public key: a JWK must be a JSON object')
    }
    return assertPublicJwkShape(jwk)
  }
  if (OPENSSH_LINE.test(text)) return assertOpenSshShape(text)
  const label = pemLabel(text)
  if (label !== undefined) return assertPemShape(label, text)
  if (/-----BEGIN [A-Z0-9 ]+-----/.test(text)) {
    throw new AjwtError('invalid_key', 'unreadable public key: a PEM block without its matching END line')
  }
  if (looksLikeFilePath(text)) {
    throw new AjwtError('invalid_key', `this looks like a file path: ${READ_THE_FILE}, and pass its content`)
  }
  throw new AjwtError('invalid_key', `unrecognised public key: ${PUBLIC_FORMATS}`)
}

function assertPublicJwkShape(jwk: object): void {
  if (PRIVATE_JWK_MEMBERS.some((member) => member in jwk)) {
    throw new AjwtError('invalid_key', 'this is a private JWK: give the server the public key only')
  }
  assertKeyStrength(jwk as JWK)
}

function assertOpenSshShape(line: string): void {
  const type = line.split(/\s/, 1)[0]!
  if (type !== 'ssh-ed25519' && type !== 'ssh-rsa') {
    const name = type.length <= 64 ? `${type} ` : ''
    throw new AjwtError('invalid_key', `unsupported OpenSSH key type ${name}(use ssh-ed25519 or ssh-rsa)`)
  }
  let jwk: JWK
  try {
    jwk = parseOpenSshPublicKey(line).jwk
  } catch {
    return // damaged: the import says how
  }
  assertKeyStrength(jwk)
}

function assertPemShape(label: string, text: string): void {
  if (label.includes('PRIVATE')) {
    throw new AjwtError('invalid_key', `this is a private key (${label}): give the server the public key only`)
  }
  if (label !== 'PUBLIC KEY' && label !== 'RSA PUBLIC KEY') {
    throw new AjwtError('invalid_key', `unsupported PEM block "${label}": ${PUBLIC_FORMATS}`)
  }
  let jwk: JWK
  try {
    const der = parsePem(text)!.der
    if (label === 'RSA PUBLIC KEY') {
      jwk = rsaJwk(readRsaPublicKey(der))
    } else {
      const oid = keyAlgorithmOid(der, 'spki')
      if (oid !== OID_RSA_ENCRYPTION && oid !== OID_ED25519) {
        throw new AjwtError('invalid_key', `unsupported public key algorithm ${oid} (use Ed25519 or RSA)`)
      }
      const key = spkiKeyBytes(der)
      jwk = oid === OID_ED25519 ? { kty: 'OKP', crv: 'Ed25519', x: base64url.encode(key) } : rsaJwk(readRsaPublicKey(key))
    }
  } catch (error) {
    if (error instanceof AjwtError) throw error
    return // damaged: the import says how
  }
  assertKeyStrength(jwk)
}

function rsaJwk({ n, e }: { n: Uint8Array; e: Uint8Array }): JWK {
  return { kty: 'RSA', n: base64url.encode(n), e: base64url.encode(e) }
}

/**
 * Why a key could not be read, without quoting it: the RangeErrors of ajwt's own parsers say what
 * is wrong in their own words; anything else (base64 and WebCrypto errors) gets a generic reason.
 */
export function safeReason(cause: unknown): string {
  return cause instanceof RangeError && cause.message ? cause.message : 'the data is damaged or not in the expected format'
}
