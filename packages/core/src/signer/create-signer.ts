import { base64url, SignJWT } from 'jose'
import { AjwtError } from '../errors/ajwt-error.ts'
import { importPrivateKey, type PrivateKeyInput } from '../keys/import-private-key.ts'
import type { PrivateKey } from '../keys/private-key.ts'
import { AUTH_SCHEME } from '../verifier/authorization.ts'
import { requestClaims, type RequestClaims, type RequestToSign } from './request-claims.ts'
import { createSignedFetch } from './signed-fetch.ts'

const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024

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
  /**
   * The fetch used by {@link Signer.fetch}. Default `globalThis.fetch`. It gets the input as given
   * (a Request input as a new Request) and an init whose `headers` and `body` are those signed.
   */
  fetch?: typeof fetch
  /**
   * The largest body a request's token is bound to: `signer.fetch` reads the body (a stream to its
   * end) to hash it before sending anything, and refuses a larger one. Default 16 MiB.
   */
  maxBodyBytes?: number
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
  /**
   * A fresh JWT: a new `time` and a new 128-bit `nonce` on every call. Given the request it goes
   * with, the token is bound to it (`htm`, `htu`, and `htq`/`htb` for a query/body); without, it
   * carries only `username`, `time` and `nonce`, as the Python client's.
   */
  token(request?: RequestToSign): Promise<string>
  /** `JWT <token>`, the value of the Authorization header; bound to `request` when given. */
  authorization(request?: RequestToSign): Promise<string>
  /**
   * `fetch` with a fresh Authorization header on every call, always bound to the request: its
   * method, final URL and the exact body bytes sent (a stream body is read first, at most
   * `maxBodyBytes`). A path that only the given `fetch` resolves (`'/x'` in Node) binds the method,
   * query and body, not the URL: give an absolute URL.
   */
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
 * const res = await signer.fetch('http://127.0.0.1:3000/api/invoices', { method: 'POST', body }) // bound
 * await fetch(url, { method: 'PUT', body, headers: { authorization: await signer.authorization({ method: 'PUT', url, body }) } })
 * await fetch(url, { headers: { authorization: await signer.authorization() } }) // unbound, as the Python client's
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
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 0) {
    throw new AjwtError('invalid_options', 'maxBodyBytes must be a non-negative integer (bytes)')
  }
  let imported: Promise<PrivateKey> | undefined

  const key = (): Promise<PrivateKey> => {
    imported ??= importPrivateKey(options.privateKey, { passphrase: options.passphrase })
    // A failed import is not cached: a corrected file or passphrase can be retried.
    imported.catch(() => {
      imported = undefined
    })
    return imported
  }

  const sign = async (bound: RequestClaims | undefined): Promise<string> => {
    const privateKey = await key()
    const nonce = base64url.encode(crypto.getRandomValues(new Uint8Array(16)))
    // No `aud` or `iat` ever: PyJWT refuses a token with an audience it was not told to expect.
    const claims = { username, time: Math.floor(clock()), nonce }
    return new SignJWT(bound ? { ...claims, ...bound } : claims)
      .setProtectedHeader({ alg: privateKey.algorithm, typ: 'JWT', kid: privateKey.kid })
      .sign(privateKey.signingKey)
  }

  const token = async (request?: RequestToSign): Promise<string> =>
    sign(request === undefined || request === null ? undefined : await requestClaims(request, maxBodyBytes))

  const authorization = async (request?: RequestToSign): Promise<string> => `${scheme} ${await token(request)}`

  const signedFetch = createSignedFetch(
    async (claims) => `${scheme} ${await sign(claims)}`,
    () => options.fetch ?? globalThis.fetch,
    maxBodyBytes,
  )

  return { token, authorization, fetch: signedFetch, key }
}
