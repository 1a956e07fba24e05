import type { JWK } from 'jose'
import { AjwtError } from '../errors/ajwt-error.ts'
import { importPublicKey } from '../keys/import-public-key.ts'
import type { PublicKey } from '../keys/public-key.ts'
import { privateHostReason } from './jwks-address.ts'
import { downloadJson, type JwksFetch } from './jwks-fetch.ts'
import type { KeyLookupHint, KeyStore } from './types.ts'

export type { JwksFetch } from './jwks-fetch.ts'

/**
 * Options of {@link JwksKeyStore}. Durations are in milliseconds.
 *
 * @example
 * ```ts
 * const options: JwksKeyStoreOptions = {
 *   url: (username) =>
 *     clients.has(username) ? `https://keys.example.com/users/${encodeURIComponent(username)}/jwks.json` : undefined,
 *   cacheMaxAge: 300_000,
 *   timeout: 2000,
 * }
 * ```
 */
export interface JwksKeyStoreOptions {
  /**
   * The JWKS URL trusted for a user, or undefined when the user has none (no keys, no request).
   * Return undefined for users you do not know: every distinct username that gets a URL costs a
   * request to it. Encode the username if you build the URL from it.
   */
  url: (username: string) => string | URL | undefined
  /** The fetch to use (default: the global `fetch`), e.g. one with a DNS-checking agent on Node. */
  fetch?: JwksFetch
  /** How long a fetched JWKS is served before it is fetched again. Default 600 000 (10 min). */
  cacheMaxAge?: number
  /**
   * Least time between two fetches for one user, however many unknown `kid`s or failures arrive.
   * Default 30 000.
   */
  cooldown?: number
  /** Deadline for a whole fetch, headers and body, at most 5 000. Default 3 000. */
  timeout?: number
  /** Largest JWKS accepted, in bytes. Default 65 536. */
  maxBytes?: number
  /** Most users whose keys are cached; the oldest entry is dropped first. Default 10 000. */
  maxEntries?: number
  /** Allow `http:` URLs (tests, development). Default false: `https:` only. */
  allowHttp?: boolean
  /**
   * Allow loopback, private, link-local and `localhost` hosts. Default false. Only hosts written
   * as IP literals or `localhost` names can be refused: a public name that resolves to a private
   * address (DNS rebinding) is invisible through `fetch`; on Node, pass a `fetch` whose agent
   * checks the resolved address if the URLs come from untrusted input.
   */
  allowPrivateNetworks?: boolean
  /** Called with every failed fetch (stale keys may still be served): for logs. */
  onError?: (error: AjwtError, username: string) => void
  /** The clock, in unix seconds like `createVerifier`'s (for tests). */
  now?: () => number
}

interface Entry {
  readonly url: string
  keys?: readonly PublicKey[]
  error?: AjwtError
  fetchedAt: number
  attemptedAt: number
  inflight?: Promise<readonly PublicKey[]>
}

const NONE: readonly PublicKey[] = Object.freeze([])
const MAX_TIMEOUT = 5000
const SIGNATURE_ALGORITHMS: ReadonlySet<unknown> = new Set(['RS512', 'RS384', 'RS256', 'EdDSA', 'Ed25519'])
const noop = (): void => undefined

/**
 * Trusts a per-user JWKS URL: each user publishes their own public keys (Ed25519, or RSA of at
 * least 2048 bits, for signatures) and rotates them without telling the server. The counterpart
 * of the Python library's `JWKSEndpointTrust`.
 *
 * - Keys are cached per user for `cacheMaxAge`; a token whose `kid` is not in the cache triggers
 *   one refetch, at most once per `cooldown` per user.
 * - When the endpoint fails, the last good keys are served (stale-if-error); a user whose keys
 *   were never fetched fails closed (the request gets 503). Concurrent lookups share one fetch.
 * - Each fetch is bounded: `https:` only, no redirects, a deadline and a size cap, and no
 *   loopback, private or link-local IP literals or `localhost` names. Names resolving to private
 *   addresses cannot be detected through `fetch` (see `allowPrivateNetworks`).
 * - Web APIs only: runs in Node, Deno, Bun and Workers.
 *
 * A key's `kid` is its JWK's `kid` when it has one, else its SPKI fingerprint (as in every other
 * store); tokens may name it by either. Keys for encryption (`use` other than `sig`), of other
 * types, too weak, or published with private parts are skipped.
 *
 * @example
 * ```ts
 * const trusted: Record<string, string> = { billing: 'https://billing.example.com/.well-known/jwks.json' }
 * const verifier = createVerifier({
 *   keys: new JwksKeyStore({
 *     url: (username) => trusted[username],
 *     onError: (error, username) => log.warn({ username, detail: error.detail }),
 *   }),
 *   nonces: new MemoryNonceStore(),
 * })
 * ```
 */
export class JwksKeyStore implements KeyStore {
  private readonly entries = new Map<string, Entry>()
  private readonly urlFor: (username: string) => string | URL | undefined
  private readonly fetchJwks: JwksFetch
  private readonly maxAge: number
  private readonly cooldown: number
  private readonly timeout: number
  private readonly maxBytes: number
  private readonly maxEntries: number
  private readonly allowHttp: boolean
  private readonly allowPrivateNetworks: boolean
  private readonly onError: ((error: AjwtError, username: string) => void) | undefined
  private readonly clock: () => number

  constructor(options: JwksKeyStoreOptions) {
    if (typeof options?.url !== 'function') {
      throw new AjwtError('invalid_options', 'JwksKeyStore needs `url`: (username) => the JWKS URL or undefined')
    }
    this.urlFor = options.url
    this.fetchJwks = options.fetch ?? ((url, init) => fetch(url, init))
    this.maxAge = nonNegative('cacheMaxAge', options.cacheMaxAge, 600_000)
    this.cooldown = nonNegative('cooldown', options.cooldown, 30_000)
    this.timeout = nonNegative('timeout', options.timeout, 3000)
    if (this.timeout <= 0 || this.timeout > MAX_TIMEOUT) {
      throw new AjwtError('invalid_options', `timeout must be above 0 and at most ${MAX_TIMEOUT} ms`)
    }
    this.maxBytes = nonNegative('maxBytes', options.maxBytes, 65_536)
    this.maxEntries = nonNegative('maxEntries', options.maxEntries, 10_000)
    if (this.maxBytes < 1 || this.maxEntries < 1) {
      throw new AjwtError('invalid_options', 'maxBytes and maxEntries must be at least 1')
    }
    this.allowHttp = options.allowHttp === true
    this.allowPrivateNetworks = options.allowPrivateNetworks === true
    this.onError = options.onError
    const now = options.now
    this.clock = now ? () => now() * 1000 : Date.now
  }

  /**
   * The user's keys from their JWKS. `hint.kid` (passed by the verifier) names the key a token
   * wants: when the cache lacks it, the JWKS is fetched again unless the cooldown forbids it.
   */
  async getKeys(username: string, hint?: KeyLookupHint): Promise<readonly PublicKey[]> {
    const target = this.urlFor(username)
    if (target === undefined) {
      this.entries.delete(username)
      return NONE
    }
    const url = String(target)
    let entry = this.entries.get(username)
    if (entry?.url !== url) {
      this.checkUrl(url)
      entry = { url, fetchedAt: Number.NEGATIVE_INFINITY, attemptedAt: Number.NEGATIVE_INFINITY }
      this.entries.delete(username)
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!)
      this.entries.set(username, entry)
    }
    const now = this.clock()
    const kid = hint?.kid
    if (entry.keys && now - entry.fetchedAt < this.maxAge && (kid === undefined || hasKid(entry.keys, kid))) {
      return entry.keys
    }
    if (entry.inflight) return entry.inflight
    if (now - entry.attemptedAt < this.cooldown) {
      if (entry.keys) return entry.keys
      if (entry.error) throw entry.error
    }
    return this.refresh(username, entry, now)
  }

  private refresh(username: string, entry: Entry, now: number): Promise<readonly PublicKey[]> {
    entry.attemptedAt = now
    const inflight = this.load(entry.url)
      .then(
        (keys) => {
          entry.keys = sameKeys(entry.keys, keys) ? entry.keys! : keys
          entry.fetchedAt = now
          delete entry.error
          return entry.keys
        },
        (cause: unknown) => {
          const error = new AjwtError(
            'store_unavailable',
            `JwksKeyStore: ${entry.url}: ${cause instanceof Error ? cause.message : String(cause)}`,
            { cause },
          )
          entry.error = error
          this.report(error, username)
          if (entry.keys) return entry.keys
          throw error
        },
      )
      .finally(() => {
        delete entry.inflight
      })
    entry.inflight = inflight
    return inflight
  }

  private async load(url: string): Promise<readonly PublicKey[]> {
    const document = await downloadJson(url, { fetch: this.fetchJwks, timeout: this.timeout, maxBytes: this.maxBytes })
    const list = (document as { keys?: unknown } | null)?.keys
    if (typeof document !== 'object' || document === null || Array.isArray(document) || !Array.isArray(list)) {
      throw new Error('not a JWKS: expected {"keys": [...]}')
    }
    const keys: PublicKey[] = []
    for (const jwk of list as unknown[]) {
      if (!usable(jwk)) continue
      const key = await importPublicKey(jwk).catch(() => undefined)
      if (key && !keys.some((k) => k.fingerprint === key.fingerprint)) keys.push(key)
    }
    return Object.freeze(keys)
  }

  private checkUrl(url: string): void {
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      throw new AjwtError('store_unavailable', `JwksKeyStore: not a URL: ${url}`)
    }
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && this.allowHttp)) {
      const unless = parsed.protocol === 'http:' ? ' unless allowHttp is set' : ''
      throw new AjwtError('store_unavailable', `JwksKeyStore: ${parsed.protocol} URL refused (${url}): https only${unless}`)
    }
    if (!this.allowPrivateNetworks) {
      const reason = privateHostReason(parsed.hostname)
      if (reason) {
        throw new AjwtError(
          'store_unavailable',
          `JwksKeyStore: host ${parsed.hostname} refused (${reason}) unless allowPrivateNetworks is set`,
        )
      }
    }
  }

  private report(error: AjwtError, username: string): void {
    if (!this.onError) return
    try {
      const result: unknown = this.onError(error, username)
      if (result instanceof Promise) result.catch(noop)
    } catch {
      // A logging hook must never change what the store answers.
    }
  }
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new AjwtError('invalid_options', `${name} must be a non-negative number`)
  }
  return value
}

function usable(jwk: unknown): jwk is JWK {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return false
  const { use, key_ops: ops, alg, d } = jwk as JWK
  if (d !== undefined) return false
  if (alg !== undefined && !SIGNATURE_ALGORITHMS.has(alg)) return false
  if (use !== undefined && use !== 'sig') return false
  if (ops !== undefined && !(Array.isArray(ops) && ops.includes('verify'))) return false
  return true
}

function hasKid(keys: readonly PublicKey[], kid: string): boolean {
  return keys.some((key) => key.kid === kid || key.fingerprint === kid)
}

// Keeping the same array while nothing changed lets the verifier keep its kid index.
function sameKeys(previous: readonly PublicKey[] | undefined, next: readonly PublicKey[]): boolean {
  return (
    previous !== undefined &&
    previous.length === next.length &&
    previous.every((key, i) => key.kid === next[i]!.kid && key.fingerprint === next[i]!.fingerprint)
  )
}
