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
  /**
   * Checks a JWS signature with the runtime's fastest primitive; false for any other algorithm.
   * `options.offThread`: an Ed25519 check runs on Node's libuv threadpool (ignored elsewhere).
   */
  verifySignature(
    algorithm: string,
    data: Uint8Array<ArrayBuffer>,
    signature: Uint8Array<ArrayBuffer>,
    options?: VerifySignatureOptions,
  ): boolean | Promise<boolean>
}

/**
 * Options of {@link PublicKey.verifySignature}.
 *
 * @example
 * ```ts
 * const valid = await key.verifySignature('EdDSA', signingInput, signature, { offThread: true })
 * ```
 */
export interface VerifySignatureOptions {
  /** Check on Node's libuv threadpool rather than the event loop (Ed25519 keys on Node; ignored elsewhere). */
  offThread?: boolean
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

  verifySignature(algorithm: string, data: Uint8Array<ArrayBuffer>, signature: Uint8Array<ArrayBuffer>, options?: VerifySignatureOptions) {
    if (!this.algorithms.includes(algorithm)) return false
    return this.check(algorithm, data, signature, options?.offThread === true)
  }
}

/**
 * The largest RSA modulus accepted anywhere in ajwt: verification time grows with the modulus, so
 * a huge key would let whoever publishes it slow every check of its tokens.
 *
 * @example
 * ```ts
 * if (bits > MAX_RSA_BITS) throw new Error(`RSA keys of at most ${MAX_RSA_BITS} bits`)
 * ```
 */
export const MAX_RSA_BITS = 8192

const MIN_RSA_EXPONENT = 65537
const MAX_RSA_EXPONENT = 2 ** 32
const ED25519_P = 2n ** 255n - 19n
// y of the points of order 8 are ±ORDER8_Y (RFC 7748 §4.1, libsodium's ge25519_has_small_order).
const ORDER8_Y = 2707385501144840649318225287225658788936804267575313519463743609750303402022n
const SMALL_ORDER_Y: ReadonlySet<bigint> = new Set([0n, 1n, ED25519_P - 1n, ORDER8_Y, ED25519_P - ORDER8_Y, ED25519_P, ED25519_P + 1n])

// A JWK's kty/crv are echoed only when they look like names, never as arbitrary input.
const nameOf = (value: unknown): string => (typeof value === 'string' && /^[A-Za-z0-9._-]{1,20}$/.test(value) ? value : '?')

export function keyTypeOf(jwk: JWK): KeyType {
  if (jwk.kty === 'RSA') {
    if (typeof jwk.n === 'string' && typeof jwk.e === 'string') return 'rsa'
    throw new AjwtError('invalid_key', 'an RSA JWK needs the members "n" and "e", as base64url text')
  }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    if (typeof jwk.x === 'string') return 'ed25519'
    throw new AjwtError('invalid_key', 'an Ed25519 JWK needs the member "x", as base64url text')
  }
  throw new AjwtError('invalid_key', `unsupported key: kty=${nameOf(jwk.kty)} crv=${nameOf(jwk.crv)} (use Ed25519 or RSA)`)
}

function bitLength(bytes: Uint8Array): number {
  let start = 0
  while (start < bytes.length && bytes[start] === 0) start++
  if (start === bytes.length) return 0
  return (bytes.length - start - 1) * 8 + (32 - Math.clz32(bytes[start]!))
}

function decodeMember(jwk: JWK, member: 'n' | 'e' | 'x'): Uint8Array {
  const text = jwk[member] as string
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) throw new AjwtError('invalid_key', `the JWK member "${member}" is not base64url`)
  try {
    return base64url.decode(text)
  } catch (cause) {
    throw new AjwtError('invalid_key', `the JWK member "${member}" is not base64url`, { cause })
  }
}

/** Only the public members of a JWK, in a fixed order. */
export function publicJwkOf(jwk: JWK): JWK {
  const type = keyTypeOf(jwk)
  return type === 'rsa' ? { kty: 'RSA', n: jwk.n!, e: jwk.e! } : { kty: 'OKP', crv: 'Ed25519', x: jwk.x! }
}

/**
 * Refuses keys that are weak or degenerate, whatever format they came in (every import ends
 * here), and returns the key size in bits:
 *
 * - RSA: a modulus of {@link MIN_RSA_BITS} to {@link MAX_RSA_BITS} bits, odd; a public exponent
 *   that is odd and from 65537 to 2^32 (FIPS 186-5). With e = 1 anyone can forge signatures, and
 *   tiny or huge exponents are either weak or slow.
 * - Ed25519: a 32-byte point encoding with a canonical y (below p) that is not one of the points of
 *   small order (the identity, the point of order 2, two of order 4, four of order 8, and their
 *   non-canonical encodings: libsodium's `ge25519_has_small_order` list). A small-order public key
 *   accepts signatures that anyone can make.
 *
 * Messages say what is wrong, never any of the key's bytes.
 *
 * @example
 * ```ts
 * assertKeyStrength({ kty: 'RSA', n, e: 'AQ' }) // throws AjwtError invalid_key: exponent 1 refused
 * ```
 */
export function assertKeyStrength(jwk: JWK): number {
  const type = keyTypeOf(jwk)
  if (type === 'ed25519') {
    const problem = ed25519Problem(decodeMember(jwk, 'x'))
    if (problem) throw new AjwtError('invalid_key', `Ed25519 public key refused: ${problem}`)
    return 256
  }
  const n = decodeMember(jwk, 'n')
  const bits = bitLength(n)
  if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
    const limit = bits < MIN_RSA_BITS ? `at least ${MIN_RSA_BITS} bits are required` : `at most ${MAX_RSA_BITS} bits are accepted`
    throw new AjwtError('invalid_key', `RSA key of ${bits} bits refused: ${limit}`)
  }
  if (n[n.length - 1]! % 2 === 0) throw new AjwtError('invalid_key', 'RSA key refused: its modulus is even')
  const problem = rsaExponentProblem(decodeMember(jwk, 'e'))
  if (problem) {
    throw new AjwtError(
      'invalid_key',
      `RSA key refused: public exponent ${problem}; it must be odd and from ${MIN_RSA_EXPONENT} to 2^32 (FIPS 186-5)`,
    )
  }
  return bits
}

function rsaExponentProblem(e: Uint8Array): string | undefined {
  const bits = bitLength(e)
  if (bits > 33) return `of ${bits} bits`
  let value = 0
  for (const byte of e) value = value * 256 + byte
  return value % 2 === 1 && value >= MIN_RSA_EXPONENT && value <= MAX_RSA_EXPONENT ? undefined : String(value)
}

function ed25519Problem(x: Uint8Array): string | undefined {
  if (x.length !== 32) return `it must be 32 bytes, not ${x.length}`
  let y = 0n
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? x[i]! & 0x7f : x[i]!)
  if (SMALL_ORDER_Y.has(y)) return 'it is a point of small order, for which anyone can forge signatures'
  if (y >= ED25519_P) return 'its encoding is not canonical'
  return undefined
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
    // The runtime's message may quote the key: keep it in `cause` only.
    throw new AjwtError('invalid_key', `the ${type} public key could not be imported: its parameters are invalid`, { cause })
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
