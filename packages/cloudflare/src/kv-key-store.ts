import { AjwtError, importPublicKey, type KeyStore, type PublicKey } from '@ajwt/core'
import { parseKeyList } from './key-text.ts'

/**
 * Options of {@link KvKeyStore}.
 *
 * @example
 * ```ts
 * new KvKeyStore({ namespace: env.AJWT_KEYS_KV, prefix: 'keys/', cacheTtlSeconds: 30 })
 * ```
 */
export interface KvKeyStoreOptions {
  /** The KV namespace binding. */
  namespace: KVNamespace
  /** Key prefix: a user's keys live at `${prefix}${username}`. Default `ajwt:keys:`. */
  prefix?: string
  /** How long this isolate reuses what it read (also "no keys"), in seconds. Default 60. */
  cacheTtlSeconds?: number
  /** Most users cached per isolate; the cache starts afresh when full. Default 10 000. */
  maxCachedUsers?: number
}

const MAX_KV_KEY_BYTES = 512
const encoder = new TextEncoder()

interface CacheEntry {
  keys: Promise<readonly PublicKey[]>
  expires: number
}

/**
 * Public keys from Workers KV: the value at `${prefix}${username}` is a JSON array of key texts
 * or JWKs (or one key text). KV is eventually consistent, which is fine for keys (a new or revoked
 * key takes up to a minute to be seen everywhere) but never for nonces. Keys are imported once per
 * isolate and reused for `cacheTtlSeconds`; a KV failure throws (the request gets 503).
 *
 * @example
 * ```ts
 * // npx wrangler kv key put --binding AJWT_KEYS_KV ajwt:keys:billing '["ssh-ed25519 AAAAC3… billing"]'
 * export default withAjwt(handler, (env: Env) => ({
 *   keys: new KvKeyStore({ namespace: env.AJWT_KEYS_KV }),
 *   nonces: new DurableObjectNonceStore(env.AJWT_NONCES),
 * }))
 * ```
 */
export class KvKeyStore implements KeyStore {
  private readonly namespace: KVNamespace
  private readonly prefix: string
  private readonly ttlMs: number
  private readonly maxUsers: number
  private readonly cache = new Map<string, CacheEntry>()

  constructor(options: KvKeyStoreOptions) {
    if (!options?.namespace || typeof options.namespace.get !== 'function') {
      throw new AjwtError('invalid_options', 'KvKeyStore needs { namespace }: a KV namespace binding')
    }
    this.namespace = options.namespace
    this.prefix = options.prefix ?? 'ajwt:keys:'
    this.ttlMs = (options.cacheTtlSeconds ?? 60) * 1000
    this.maxUsers = options.maxCachedUsers ?? 10_000
    if (!(this.ttlMs >= 0) || !(this.maxUsers >= 1)) {
      throw new AjwtError('invalid_options', 'KvKeyStore: cacheTtlSeconds must be ≥ 0 and maxCachedUsers ≥ 1')
    }
  }

  getKeys(username: string): Promise<readonly PublicKey[]> {
    const now = Date.now()
    const cached = this.cache.get(username)
    if (cached && cached.expires > now) return cached.keys
    if (!cached && this.cache.size >= this.maxUsers) this.cache.clear()
    const keys = this.load(username)
    const entry = { keys, expires: now + this.ttlMs }
    this.cache.set(username, entry)
    // A failed read is not remembered: the next request asks KV again.
    keys.catch(() => {
      if (this.cache.get(username) === entry) this.cache.delete(username)
    })
    return keys
  }

  private async load(username: string): Promise<readonly PublicKey[]> {
    const key = this.prefix + username
    // Longer keys cannot exist in KV (and reading one throws): such a user has no keys.
    if (encoder.encode(key).length > MAX_KV_KEY_BYTES) return []
    const text = await this.namespace.get(key, 'text')
    if (text === null) return []
    const list = parseKeyList(text, `KvKeyStore (${this.prefix}${username})`)
    return Object.freeze(await Promise.all(list.map((key) => importPublicKey(key))))
  }
}
