import { AjwtError, type NonceClaim, type NonceStore } from '@ajwt/core'
import type { NonceStoreObject } from './nonce-store-object.ts'

/**
 * Options of {@link DurableObjectNonceStore}.
 *
 * @example
 * ```ts
 * new DurableObjectNonceStore(env.AJWT_NONCES, { shards: 4 })
 * ```
 */
export interface DurableObjectNonceStoreOptions {
  /**
   * Objects per username (default 1). With more, one busy client's claims spread over several
   * objects by a hash of the nonce; any one `(username, time, nonce)` still always reaches the
   * same object. Changing it re-routes claims: tokens claimed during the last tolerance window
   * before the change could be replayed once, so change it rarely.
   */
  shards?: number
}

/**
 * The nonce store for Workers: each claim is one RPC to a {@link NonceStoreObject} chosen from
 * the username, which checks and records the nonce atomically. A failed RPC throws, so the
 * request fails closed with 503.
 *
 * @example
 * ```ts
 * export default withAjwt(handler, (env: Env) => ({
 *   keys: new EnvKeyStore(env.AJWT_KEYS),
 *   nonces: new DurableObjectNonceStore(env.AJWT_NONCES, { shards: 4 }),
 * }))
 * ```
 */
export class DurableObjectNonceStore implements NonceStore {
  private readonly namespace: DurableObjectNamespace<NonceStoreObject>
  private readonly shards: number

  constructor(namespace: DurableObjectNamespace<NonceStoreObject>, options: DurableObjectNonceStoreOptions = {}) {
    if (!namespace || typeof namespace.idFromName !== 'function') {
      throw new AjwtError(
        'invalid_options',
        'DurableObjectNonceStore needs a Durable Object namespace binding of NonceStoreObject (is it declared in wrangler.jsonc?)',
      )
    }
    const shards = options.shards ?? 1
    if (!Number.isSafeInteger(shards) || shards < 1) {
      throw new AjwtError('invalid_options', `DurableObjectNonceStore: shards must be a positive integer, got ${String(shards)}`)
    }
    this.namespace = namespace
    this.shards = shards
  }

  /**
   * The name of the object that holds this claim (stable for a given username and nonce).
   *
   * @example
   * ```ts
   * new DurableObjectNonceStore(env.AJWT_NONCES, { shards: 4 }).objectName('billing', nonce) // 'billing#2'
   * ```
   */
  objectName(username: string, nonce: string): string {
    return this.shards === 1 ? username : `${username}#${fnv1a(nonce) % this.shards}`
  }

  /**
   * True exactly once per `(username, time, nonce)` while its record lives (`ttlMs`, counted on
   * the object's clock). Throws when the object cannot answer.
   *
   * @example
   * ```ts
   * const fresh = await nonces.claim({ username: 'billing', time: 1700000000, nonce: 'Zk3q…', ttlMs: 31_000 })
   * ```
   */
  async claim(claim: NonceClaim): Promise<boolean> {
    const { username, time, nonce, ttlMs } = claim
    const stub = this.namespace.get(this.namespace.idFromName(this.objectName(String(username), String(nonce))))
    const claimed: unknown = await stub.claim({ username, time, nonce, ttlMs })
    if (typeof claimed !== 'boolean') {
      throw new AjwtError('invalid_options', 'the nonce Durable Object did not answer a boolean: is the binding a NonceStoreObject?')
    }
    return claimed
  }
}

// 32-bit FNV-1a over UTF-16 code units: cheap, stable across isolates and releases.
function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}
