import { createSignatureCheck } from '#backend'
import { base64url, exportSPKI, importJWK, type JWK } from 'jose'
import { AjwtError } from '../errors/ajwt-error.ts'
import type { KeyType, SignatureCheck } from '../backend/types.ts'

/**
 * The smallest RSA modulus accepted anywhere in ajwt.
 *
 * @example
 * ```ts
 * if (key.type === 'rsa' && key.bits < 3072) console.warn(`RSA-${key.bits}: at least ${MIN_RSA_BITS}, 3072 preferred`)
 * ```
 */
export const MIN_RSA_BITS = 2048

const RSA_ALGORITHMS = Object.freeze(['RS512', 'RS384', 'RS256'] as const)
const ED25519_ALGORITHMS = Object.freeze(['EdDSA', 'Ed25519'] as const)

/**
 * A client's public key, imported once and ready to check signatures.
 *
 * @example
 * ```ts
 * const key = await importPublicKey('ssh-ed25519 AAAAC3Nza… laptop')
 * key.kid        // 'dfbdd1fb…' — sha256 of the SPKI PEM, the token's `kid`
 * key.algorithms // ['EdDSA', 'Ed25519'] — the algorithm always comes from the key
 * ```
 */
export interface PublicKey {
  /** The `kid` tokens signed by this key carry: the JWK's own `kid` if it had one, else {@link fingerprint}. */
  readonly kid: string
  /** Lowercase hex SHA-256 of the SubjectPublicKeyInfo PEM text (the Python library's fingerprint). */
  readonly fingerprint: string
  readonly type: KeyType
  /** Size of the RSA modulus in bits (256 for Ed25519). */
  readonly bits: number
  /** The JWS algorithms this key accepts; nothing else is ever tried with it. */
  readonly algorithms: readonly string[]
  readonly comment?: string
  /** The public JWK, with `kid`, `alg` and `use`. */
  toJWK(): JWK
  /** The SubjectPublicKeyInfo PEM text (64-character lines, trailing newline). */
  toPEM(): string
  /** Checks a JWS signature with the runtime's fastest primitive; false for any other algorithm. */
  verifySignature(algorithm: string, data: Uint8Array<ArrayBuffer>, signature: Uint8Array<ArrayBuffer>): boolean | Promise<boolean>
}

class ImportedPublicKey implements PublicKey {
  readonly algorithms: readonly string[]
  constructor(
    readonly kid: string,
    readonly fingerprint: string,
    readonly type: KeyType,
    readonly bits: number,
    private readonly jwk: JWK,
    private readonly pem: string,
    private readonly check: SignatureCheck,
    readonly comment?: string,
  ) {
    this.algorithms = type === 'rsa' ? RSA_ALGORITHMS : ED25519_ALGORITHMS
    if (comment === undefined) delete (this as { comment?: string }).comment
  }

  toJWK(): JWK {
    return { ...this.jwk, kid: this.kid, alg: this.type === 'rsa' ? 'RS512' : 'EdDSA', use: 'sig' }
  }

  toPEM(): string {
    return this.pem
  }

  verifySignature(algorithm: string, data: Uint8Array<ArrayBuffer>, signature: Uint8Array<ArrayBuffer>) {
    if (!this.algorithms.includes(algorithm)) return false
    return this.check(algorithm, data, signature)
  }
}

export function keyTypeOf(jwk: JWK): KeyType {
  if (jwk.kty === 'RSA' && typeof jwk.n === 'string' && typeof jwk.e === 'string') return 'rsa'
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && typeof jwk.x === 'string') return 'ed25519'
  throw new AjwtError('invalid_key', `unsupported key: kty=${String(jwk.kty)} crv=${String(jwk.crv)} (use Ed25519 or RSA)`)
}

export function rsaModulusBits(n: string): number {
  const bytes = base64url.decode(n)
  let start = 0
  while (start < bytes.length && bytes[start] === 0) start++
  if (start === bytes.length) return 0
  return (bytes.length - start - 1) * 8 + (32 - Math.clz32(bytes[start]!))
}

/** Only the public members of a JWK, in a fixed order. */
export function publicJwkOf(jwk: JWK): JWK {
  const type = keyTypeOf(jwk)
  return type === 'rsa' ? { kty: 'RSA', n: jwk.n!, e: jwk.e! } : { kty: 'OKP', crv: 'Ed25519', x: jwk.x! }
}

export function assertKeyStrength(jwk: JWK): number {
  const type = keyTypeOf(jwk)
  if (type === 'ed25519') return 256
  const bits = rsaModulusBits(jwk.n!)
  if (bits < MIN_RSA_BITS) {
    throw new AjwtError('invalid_key', `RSA key of ${bits} bits refused: at least ${MIN_RSA_BITS} bits are required`)
  }
  return bits
}

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
  let hex = ''
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0')
  return hex
}

/** The Python library's fingerprint: SHA-256 of the SPKI PEM text ending in one newline. */
export async function fingerprintOfPem(pem: string): Promise<string> {
  return sha256Hex(pem.endsWith('\n') ? pem : `${pem}\n`)
}

export async function publicKeyFromJwk(jwk: JWK, comment?: string): Promise<PublicKey> {
  const type = keyTypeOf(jwk)
  const bits = assertKeyStrength(jwk)
  const pub = publicJwkOf(jwk)
  let pem: string
  let check: SignatureCheck
  try {
    const key = await importJWK(pub, type === 'rsa' ? 'RS256' : 'Ed25519', { extractable: true })
    pem = await exportSPKI(key as CryptoKey)
    if (!pem.endsWith('\n')) pem += '\n'
    check = await createSignatureCheck(pub, type)
  } catch (cause) {
    throw new AjwtError('invalid_key', `the ${type} public key could not be imported: ${String(cause)}`, { cause })
  }
  const fingerprint = await fingerprintOfPem(pem)
  const kid = typeof jwk.kid === 'string' && jwk.kid.length > 0 ? jwk.kid : fingerprint
  return new ImportedPublicKey(kid, fingerprint, type, bits, pub, pem, check, comment)
}

/**
 * Whether a value is an imported {@link PublicKey}.
 *
 * @example
 * ```ts
 * const key = isPublicKey(input) ? input : await importPublicKey(input)
 * ```
 */
export function isPublicKey(value: unknown): value is PublicKey {
  return (
    value instanceof ImportedPublicKey ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as PublicKey).verifySignature === 'function' &&
      typeof (value as PublicKey).kid === 'string' &&
      Array.isArray((value as PublicKey).algorithms))
  )
}
