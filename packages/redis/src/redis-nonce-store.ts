import { createHash } from 'node:crypto'
import { AjwtError, assertNonceClaim, type NonceClaim, type NonceStore } from '@ajwt/core'
import { setNxFor, type RedisClient, type SetNx } from './clients.ts'

/**
 * Options of {@link RedisNonceStore}.
 *
 * @example
 * ```ts
 * const options: RedisNonceStoreOptions = { client, keyPrefix: 'billing-api:nonce:', timeoutMs: 1000 }
 * ```
 */
export interface RedisNonceStoreOptions {
  /** A connected node-redis (v5+) or ioredis client, single node or Cluster. */
  client: RedisClient
  /** Put before every key; must not contain `{` or `}` (the hash tag is the username's). Default `ajwt:nonce:`. */
  keyPrefix?: string
  /** A claim that Redis has not answered within this many ms throws (the request gets 503). Default 1000. */
  timeoutMs?: number
}

const VERBATIM_USER = /^[\w.@-]{1,64}$/
const VERBATIM_NONCE = /^[\w-]{1,64}$/

/**
 * The nonce store for many processes or machines: one `SET key 1 NX PX <ttl>` per claim, a
 * single atomic round trip that Redis expires by itself, on its own clock: the app servers' clocks
 * may disagree with Redis's by any amount (the verifier's `clockSkewSeconds` covers how far the
 * app servers may disagree with each other). Works with node-redis and ioredis, and
 * with Redis Cluster: every key of one username carries the same hash tag, so it lives in one slot.
 *
 * When Redis is down, slow or reconnecting, `claim` throws within `timeoutMs` and the request
 * fails closed with 503; the store recovers by itself when the client reconnects.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * const client = await createClient({ url: process.env.REDIS_URL }).on('error', console.error).connect()
 * const verifier = createVerifier({ keys, nonces: new RedisNonceStore({ client }) })
 * ```
 */
export class RedisNonceStore implements NonceStore {
  readonly keyPrefix: string
  private readonly setNx: SetNx
  private readonly timeoutMs: number

  constructor(options: RedisNonceStoreOptions) {
    if (!options || typeof options !== 'object') {
      throw new AjwtError('invalid_options', 'RedisNonceStore needs options: { client }')
    }
    this.setNx = setNxFor(options.client)
    this.keyPrefix = options.keyPrefix ?? 'ajwt:nonce:'
    if (typeof this.keyPrefix !== 'string' || /[{}]/.test(this.keyPrefix)) {
      throw new AjwtError('invalid_options', 'keyPrefix must be text without "{" or "}" (the username is the hash tag)')
    }
    this.timeoutMs = options.timeoutMs ?? 1000
    if (!(this.timeoutMs > 0) || !Number.isFinite(this.timeoutMs)) {
      throw new AjwtError('invalid_options', 'timeoutMs must be a positive number of milliseconds')
    }
  }

  /**
   * The Redis key of one claim: `<prefix>{<user>}:<time>:<nonce>`. A part that is long or holds
   * other characters than letters, digits and `_.@-` is replaced by `#` and its SHA-256 (base64url),
   * which bounds keys to ~100 characters plus the prefix and keeps distinct triples apart.
   *
   * @example
   * ```ts
   * store.keyFor('billing', 1700000000, 'Zk3q') // 'ajwt:nonce:{billing}:1700000000:Zk3q'
   * ```
   */
  keyFor(username: string, time: number, nonce: string): string {
    return `${this.keyPrefix}{${part(username, VERBATIM_USER)}}:${time}:${part(nonce, VERBATIM_NONCE)}`
  }

  /**
   * True exactly once per `(username, time, nonce)` while its key lives (`ttlMs`, counted by
   * Redis), atomically across every client of this Redis. Throws when Redis is down,
   * reconnecting or slower than `timeoutMs`, and for a ttl that is not a positive number.
   *
   * @example
   * ```ts
   * const fresh = await nonces.claim({ username: 'billing', time: 1700000000, nonce: 'Zk3q…', ttlMs: 31_000 })
   * ```
   */
  async claim(claim: NonceClaim): Promise<boolean> {
    assertNonceClaim(claim, 'RedisNonceStore')
    const { username, time, nonce, ttlMs } = claim
    const key = this.keyFor(username, time, nonce)
    const px = String(Math.ceil(ttlMs))
    const controller = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort()
        reject(new Error(`Redis did not answer within ${this.timeoutMs} ms`))
      }, this.timeoutMs)
    })
    try {
      const sent = this.setNx(key, px, controller.signal)
      // The losing promise of the race must not become an unhandled rejection.
      sent.catch(ignore)
      const reply = await Promise.race([sent, timeout])
      return reply !== null && reply !== undefined && String(reply) === 'OK'
    } finally {
      clearTimeout(timer)
    }
  }
}

function ignore(): void {}

function part(value: string, verbatim: RegExp): string {
  return verbatim.test(value) ? value : `#${createHash('sha256').update(value, 'utf8').digest('base64url')}`
}
