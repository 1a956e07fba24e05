import type { JWK } from 'jose'
import { AjwtError } from '../errors/ajwt-error.ts'
import { importPublicKey } from '../keys/import-public-key.ts'
import type { PublicKey } from '../keys/public-key.ts'
import { privateHostReason } from './jwks-address.ts'
import { downloadJson, type JwksFetch } from './jwks-fetch.ts'
import type { VerifierTelemetry } from '../verifier/telemetry.ts'
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
 *   maxStale: 1_800_000,
 *   timeout: 2000,
 * }
 * ```
 */
export interface JwksKeyStoreOptions {
  /**
   * The JWKS URL trusted for a user, or undefined when the user has none (no keys, no request).
   * Return undefined for users you do not know: every distinct username that gets a URL costs a
   * request to it. Encode the username if you build the URL from it. Anything but a non-empty
   * string or a `URL` counts as undefined, so a lookup such as `trusted[username]` that meets an
   * inherited member (`constructor`, `__proto__`, `toString`) means "unknown user", not an error.
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
  /**
   * Most keys taken from one JWKS document, in document order. Further signature keys are
   * refused (not imported) and reported to `onError`. Default 16.
   */
  maxKeys?: number
  /**
   * How long past `cacheMaxAge` the last good keys are still served while the endpoint keeps
   * failing; after that the store throws (the request gets 503) until a fetch succeeds again.
   * Default 3 600 000 (1 h); `Infinity` serves them for as long as the endpoint fails.
   */
  maxStale?: number
  /** Allow `http:` URLs (tests, development). Default false: `https:` only. */
  allowHttp?: boolean
  /**
   * Allow loopback, private, link-local and `localhost` hosts. Default false. Only hosts written
   * as IP literals or `localhost` names can be refused: a public name that resolves to a private
   * address (DNS rebinding) is invisible through `fetch`; on Node, pass a `fetch` whose agent
   * checks the resolved address if the URLs come from untrusted input.
   */
  allowPrivateNetworks?: boolean
  /**
   * For logs: called with every failed fetch (`store_unavailable`; stale keys may still be
   * served), every refused URL (`store_unavailable`, at most once per `cooldown` per user) and
   * every document with skipped keys (`invalid_key`: keys that fail the import checks, or beyond
   * `maxKeys`). What it throws is ignored.
   */
  onError?: (error: AjwtError, username: string) => void
  /**
   * Where each JWKS fetch is reported (`jwksFetched`): pass the verifier's `telemetry`, e.g.
   * `openTelemetry()` from `@ajwt/core/opentelemetry`, to count fetches by result. What it throws
   * is ignored.
   */
  telemetry?: Pick<VerifierTelemetry, 'jwksFetched'>
  /** The clock, in unix seconds like `createVerifier`'s (for tests). */
  now?: () => number
}

interface Entry {
  readonly url: string
  /** The URL as error details show it: no credentials, query or fragment. */
  readonly shown: string
  /** Why the URL itself is refused: no request is ever made for this entry. */
  readonly refused?: AjwtError
  keys?: readonly PublicKey[]
  error?: AjwtError
  fetchedAt: number
  attemptedAt: number
  inflight?: Promise<readonly PublicKey[]>
}

interface Loaded {
  keys: readonly PublicKey[]
  skipped: string[]
}

const NONE: readonly PublicKey[] = Object.freeze([])
const MAX_TIMEOUT = 5000
const SKIPPED_SHOWN = 5
const SIGNATURE_ALGORITHMS: ReadonlySet<unknown> = new Set(['RS512', 'RS384', 'RS256', 'EdDSA', 'Ed25519'])
const noop = (): void => undefined

/**
 * Trusts a per-user JWKS URL: each user publishes their own public keys (Ed25519, or RSA of 2048
 * to 8192 bits, for signatures) and rotates them without telling the server. The counterpart of
 * the Python library's `JWKSEndpointTrust`.
 *
 * - Keys are cached per user for `cacheMaxAge`; a token whose `kid` is not in the cache triggers
 *   one refetch, at most once per `cooldown` per user.
 * - When the endpoint fails, the last good keys are served (stale-if-error) for up to `maxStale`
 *   past their `cacheMaxAge`, then no longer; a user whose keys were never fetched fails closed
 *   (the request gets 503). Concurrent lookups share one fetch.
 * - Each fetch is bounded: `https:` only, no redirects, a deadline and a size cap, and no
 *   loopback, private or link-local IP literals or `localhost` names. Names resolving to private
 *   addresses cannot be detected through `fetch` (see `allowPrivateNetworks`).
 * - At most `maxKeys` keys are taken from a document, in its order; further keys are refused.
 * - Web APIs only: runs in Node, Deno, Bun and Workers.
 *
 * A key's `kid` is its JWK's `kid` when it has one, else its SPKI fingerprint (as in every other
 * store); tokens may name it by either. Keys declared for something else (`use` other than
 * `sig`, another `alg`, `key_ops` without `verify`) are ignored. Keys that fail the import checks
 * of {@link importPublicKey} (other types, weak or degenerate keys) or are published with private
 * parts are skipped without affecting the others, and reported to `onError` (`invalid_key`).
 *
 * When no keys can be served, `getKeys` throws an `AjwtError` (`store_unavailable`) whose `detail`
 * says why (`JwksKeyStore: JWKS URL refused: http: is not allowed …`, `JwksKeyStore:
 * https://…/jwks.json: HTTP 500`); `onError` gets the same error.
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
  private readonly urlFor: (username: string) => unknown
  private readonly fetchJwks: JwksFetch
  private readonly maxAge: number
  private readonly cooldown: number
  private readonly timeout: number
  private readonly maxBytes: number
  private readonly maxEntries: number
  private readonly maxKeys: number
  private readonly maxStale: number
  private readonly allowHttp: boolean
  private readonly allowPrivateNetworks: boolean
  private readonly onError: ((error: AjwtError, username: string) => void) | undefined
  private readonly telemetry: Pick<VerifierTelemetry, 'jwksFetched'> | undefined
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
    this.maxKeys = nonNegative('maxKeys', options.maxKeys, 16)
    if (!Number.isInteger(this.maxKeys) || this.maxKeys < 1) {
      throw new AjwtError('invalid_options', 'maxKeys must be a whole number, at least 1')
    }
    this.maxStale = options.maxStale === Number.POSITIVE_INFINITY ? Infinity : nonNegative('maxStale', options.maxStale, 3_600_000)
    this.allowHttp = options.allowHttp === true
    this.allowPrivateNetworks = options.allowPrivateNetworks === true
    this.onError = options.onError
    this.telemetry = options.telemetry?.jwksFetched ? options.telemetry : undefined
    const now = options.now
    this.clock = now ? () => now() * 1000 : Date.now
  }

  /**
   * The user's keys from their JWKS. `hint.kid` (passed by the verifier) names the key a token
   * wants: when the cache lacks it, the JWKS is fetched again unless the cooldown forbids it.
   * Throws an `AjwtError` (`store_unavailable`) whose `detail` says why when no keys can be
   * served: refused URL, failed fetch with no usable keys cached, or cached keys past `maxStale`.
   */
  async getKeys(username: string, hint?: KeyLookupHint): Promise<readonly PublicKey[]> {
    const url = this.targetOf(username)
    if (url === undefined) {
      this.entries.delete(username)
      return NONE
    }
    let entry = this.entries.get(username)
    if (entry?.url !== url) entry = this.track(username, url)
    const now = this.clock()
    if (entry.refused) {
      if (now - entry.attemptedAt >= this.cooldown) {
        entry.attemptedAt = now
        this.report(entry.refused, username)
      }
      throw entry.refused
    }
    const kid = hint?.kid
    if (entry.keys && now - entry.fetchedAt < this.maxAge && (kid === undefined || hasKid(entry.keys, kid))) {
      return entry.keys
    }
    if (entry.inflight) return entry.inflight
    if (now - entry.attemptedAt < this.cooldown) return this.fallback(entry, now)
    return this.refresh(username, entry, now)
  }

  private targetOf(username: string): string | undefined {
    let target: unknown
    try {
      target = this.urlFor(username)
    } catch (cause) {
      const error = new AjwtError('store_unavailable', `JwksKeyStore: the url callback threw: ${messageOf(cause)}`, { cause })
      this.report(error, username)
      throw error
    }
    if (target instanceof URL) return target.href
    return typeof target === 'string' && target !== '' ? target : undefined
  }

  private track(username: string, url: string): Entry {
    const refused = this.refusalOf(url)
    const entry: Entry = {
      url,
      shown: refused ? '' : shownUrl(url),
      ...(refused ? { refused } : {}),
      fetchedAt: Number.NEGATIVE_INFINITY,
      attemptedAt: Number.NEGATIVE_INFINITY,
    }
    this.entries.delete(username)
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!)
    this.entries.set(username, entry)
    return entry
  }

  /** What a lookup gets while the cooldown forbids a fetch. */
  private fallback(entry: Entry, now: number): readonly PublicKey[] {
    if (entry.keys && (!entry.error || this.servable(entry, now))) return entry.keys
    throw entry.keys ? this.tooStale(entry, now) : entry.error!
  }

  // Keys from the last good fetch remain usable up to maxStale past their cacheMaxAge.
  private servable(entry: Entry, now: number): boolean {
    return now - entry.fetchedAt < this.maxAge + this.maxStale
  }

  private tooStale(entry: Entry, now: number): AjwtError {
    const age = Math.round((now - entry.fetchedAt) / 1000)
    return new AjwtError(
      'store_unavailable',
      `${entry.error!.detail}; the last good keys, fetched ${age} s ago, are past maxStale and no longer served`,
      { cause: entry.error },
    )
  }

  private refresh(username: string, entry: Entry, now: number): Promise<readonly PublicKey[]> {
    entry.attemptedAt = now
    const inflight = this.load(entry)
      .then(
        ({ keys, skipped }) => {
          entry.keys = sameKeys(entry.keys, keys) ? entry.keys! : keys
          entry.fetchedAt = now
          delete entry.error
          this.fetched('success')
          if (skipped.length > 0) this.report(new AjwtError('invalid_key', skippedDetail(entry.shown, skipped)), username)
          return entry.keys
        },
        (cause: unknown) => {
          const error = new AjwtError('store_unavailable', `JwksKeyStore: ${entry.shown}: ${messageOf(cause)}`, { cause })
          entry.error = error
          this.fetched('failure', error)
          this.report(error, username)
          if (entry.keys && this.servable(entry, now)) return entry.keys
          throw entry.keys ? this.tooStale(entry, now) : error
        },
      )
      .finally(() => {
        delete entry.inflight
      })
    entry.inflight = inflight
    return inflight
  }

  private async load(entry: Entry): Promise<Loaded> {
    const document = await downloadJson(entry.url, { fetch: this.fetchJwks, timeout: this.timeout, maxBytes: this.maxBytes })
    const list = (document as { keys?: unknown } | null)?.keys
    if (typeof document !== 'object' || document === null || Array.isArray(document) || !Array.isArray(list)) {
      throw new Error('not a JWKS: expected {"keys": [...]}')
    }
    const keys: PublicKey[] = []
    const skipped: string[] = []
    for (const [index, jwk] of (list as unknown[]).entries()) {
      if (keys.length === this.maxKeys) {
        const more = list.slice(index).filter((item) => signatureKey(item)).length
        if (more > 0) skipped.push(`${more} more key${more === 1 ? '' : 's'} refused: at most ${this.maxKeys} are taken from a JWKS (maxKeys)`)
        break
      }
      if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
        skipped.push(`key ${index + 1}: not a JWK object`)
        continue
      }
      if (privateParts(jwk)) {
        skipped.push(`key ${index + 1}: published with its private parts`)
        continue
      }
      if (!signatureKey(jwk)) continue
      try {
        const key = await importPublicKey(jwk)
        if (!keys.some((k) => k.fingerprint === key.fingerprint)) keys.push(key)
      } catch (error) {
        skipped.push(`key ${index + 1}: ${error instanceof AjwtError ? error.detail : 'unreadable'}`)
      }
    }
    return { keys: Object.freeze(keys), skipped }
  }

  private refusalOf(url: string): AjwtError | undefined {
    const refuse = (reason: string) => new AjwtError('store_unavailable', `JwksKeyStore: JWKS URL refused: ${reason}`)
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      return refuse('not a valid URL')
    }
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && this.allowHttp)) {
      const unless = parsed.protocol === 'http:' ? ', unless allowHttp is set' : ''
      return refuse(`${parsed.protocol} is not allowed (https only${unless})`)
    }
    if (!this.allowPrivateNetworks) {
      const reason = privateHostReason(parsed.hostname)
      if (reason) return refuse(`host ${parsed.hostname} (${reason}) is not allowed unless allowPrivateNetworks is set`)
    }
    return undefined
  }

  private fetched(result: 'success' | 'failure', error?: AjwtError): void {
    if (!this.telemetry) return
    try {
      this.telemetry.jwksFetched!(error ? { result, error } : { result })
    } catch {
      // Telemetry must never change what the store answers.
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

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message || cause.name : String(cause)
}

/** A URL for error details: credentials, query and fragment may hold secrets, so they are left out. */
function shownUrl(url: string): string {
  const parsed = new URL(url)
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`
}

function skippedDetail(shown: string, skipped: readonly string[]): string {
  const rest = skipped.length - SKIPPED_SHOWN
  const listed = skipped.slice(0, SKIPPED_SHOWN).join('; ')
  return `JwksKeyStore: ${shown}: keys skipped: ${listed}${rest > 0 ? `; and ${rest} more` : ''}`
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new AjwtError('invalid_options', `${name} must be a non-negative number`)
  }
  return value
}

// Keys declared for something else (encryption, another algorithm) are none of our business.
function signatureKey(jwk: unknown): jwk is JWK {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return false
  const { use, key_ops: ops, alg } = jwk as JWK
  if (alg !== undefined && !SIGNATURE_ALGORITHMS.has(alg)) return false
  if (use !== undefined && use !== 'sig') return false
  if (ops !== undefined && !(Array.isArray(ops) && ops.includes('verify'))) return false
  return true
}

function privateParts(jwk: unknown): boolean {
  return typeof jwk === 'object' && jwk !== null && ['d', 'p', 'q', 'k'].some((member) => member in jwk)
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
