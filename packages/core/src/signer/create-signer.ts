import { base64url, SignJWT } from 'jose'
import { AjwtError } from '../errors/ajwt-error.ts'
import { importPrivateKey, type PrivateKeyInput } from '../keys/import-private-key.ts'
import type { PrivateKey } from '../keys/private-key.ts'
import { AUTH_SCHEME } from '../verifier/authorization.ts'

/**
 * Options of {@link createSigner}.
 *
 * @example
 * ```ts
 * createSigner({ username: 'billing', privateKey: pem, passphrase: process.env.KEY_PASSPHRASE })
 * ```
 */
export interface SignerOptions {
  username: string
  /** PKCS#8 (plain or encrypted), PKCS#1, OpenSSH Ed25519, a private JWK, or an imported key. */
  privateKey: PrivateKeyInput
  /** For an `ENCRYPTED PRIVATE KEY`. */
  passphrase?: string
  /** The Authorization scheme word. Default `JWT`. */
  scheme?: string
  /** The client clock in unix seconds (for tests). */
  now?: () => number
  /** The fetch used by {@link Signer.fetch}. Default `globalThis.fetch`. */
  fetch?: typeof fetch
}

/**
 * The client side: a fresh signed token per request.
 *
 * @example
 * ```ts
 * const res = await signer.fetch('https://api.example.com/v1/reports')
 * ```
 */
export interface Signer {
  /** A fresh JWT: a new `time` and a new 128-bit `nonce` on every call. */
  token(): Promise<string>
  /** `JWT <token>`, the value of the Authorization header. */
  authorization(): Promise<string>
  /** `fetch` with a fresh Authorization header on every call. */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>
  /** The imported key (its `kid`, its algorithm). */
  key(): Promise<PrivateKey>
}

/**
 * Creates a client that signs each request with its private key, the way the Python
 * `asymmetric_jwt_auth` client does: `{ username, time, nonce }`, RS512 for RSA, EdDSA for Ed25519,
 * `kid` set to the key's fingerprint.
 *
 * @example
 * ```ts
 * const signer = createSigner({ username: 'billing', privateKey: await readFile('billing.key', 'utf8') })
 * const res = await signer.fetch('http://127.0.0.1:3000/api/invoices', { method: 'POST', body })
 * await fetch(url, { headers: { authorization: await signer.authorization() } })
 * ```
 */
export function createSigner(options: SignerOptions): Signer {
  const { username } = options
  if (typeof username !== 'string' || username.length === 0 || username.length > 256) {
    throw new AjwtError('invalid_options', 'createSigner needs a `username` of 1 to 256 characters')
  }
  if (options.privateKey === undefined || options.privateKey === null) {
    throw new AjwtError('invalid_options', 'createSigner needs a `privateKey`')
  }
  const scheme = options.scheme ?? 'JWT'
  if (typeof scheme !== 'string' || !AUTH_SCHEME.test(scheme)) {
    throw new AjwtError('invalid_options', 'scheme must be one word of letters, digits or !#$%&\'*+.^_`|~-')
  }
  const clock = options.now ?? (() => Date.now() / 1000)
  let imported: Promise<PrivateKey> | undefined

  const key = (): Promise<PrivateKey> => {
    imported ??= importPrivateKey(options.privateKey, { passphrase: options.passphrase })
    // A failed import is not cached: a corrected file or passphrase can be retried.
    imported.catch(() => {
      imported = undefined
    })
    return imported
  }

  const token = async (): Promise<string> => {
    const privateKey = await key()
    const nonce = base64url.encode(crypto.getRandomValues(new Uint8Array(16)))
    return new SignJWT({ username, time: Math.floor(clock()), nonce })
      .setProtectedHeader({ alg: privateKey.algorithm, typ: 'JWT', kid: privateKey.kid })
      .sign(privateKey.signingKey)
  }

  const authorization = async (): Promise<string> => `${scheme} ${await token()}`

  const signedFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const fetchImpl = options.fetch ?? globalThis.fetch
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined))
    headers.set('authorization', await authorization())
    return fetchImpl(input, { ...init, headers })
  }

  return { token, authorization, fetch: signedFetch, key }
}
