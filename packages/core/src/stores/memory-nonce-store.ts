import { AjwtError } from '../errors/ajwt-error.ts'
import { tripleHash } from './triple-hash.ts'
import type { NonceClaim, NonceStore } from './types.ts'

/**
 * Options of {@link MemoryNonceStore}.
 *
 * @example
 * ```ts
 * const options: MemoryNonceStoreOptions = { maxEntries: 100_000 }
 * new MemoryNonceStore(options)
 * ```
 */
export interface MemoryNonceStoreOptions {
  /** Most live entries held; when full, claims fail closed (503) instead of forgetting nonces. Default 500 000. */
  maxEntries?: number
  /** A monotonic clock in milliseconds (for tests). Default `performance.now()`. */
  clock?: () => number
}

/**
 * The nonce store for one process: a Set of live entries plus a min-heap of their expiry times,
 * so that expired entries are reclaimed from the heap's top in O(log n), never by scanning.
 * Entries are 53-bit hashes of the triple, not strings (~60 bytes each at 100 000 live entries;
 * a collision, probability ~2^-53 per pair, can only refuse a fresh token, never accept a used
 * one). `claim` runs synchronously, so it is atomic within the process. Records expire by a
 * monotonic clock (`performance.now()`), so a wall-clock step never releases one early.
 *
 * For several processes or machines use `RedisNonceStore`, `PostgresNonceStore` or
 * `DurableObjectNonceStore`.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ keys, nonces: new MemoryNonceStore({ maxEntries: 100_000 }) })
 * ```
 */
export class MemoryNonceStore implements NonceStore {
  private readonly entries = new Set<number>()
  private readonly heapTimes: number[] = []
  private readonly heapKeys: number[] = []
  private readonly maxEntries: number
  private readonly now: () => number

  constructor(options: MemoryNonceStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? 500_000
    if (!(this.maxEntries >= 1)) throw new AjwtError('invalid_options', 'maxEntries must be at least 1')
    if (options.clock !== undefined && typeof options.clock !== 'function') {
      throw new AjwtError('invalid_options', 'clock must be a function answering milliseconds')
    }
    this.now = options.clock ?? (() => performance.now())
  }

  /** Live entries (after reclaiming the expired ones). */
  get size(): number {
    this.sweep(this.now())
    return this.entries.size
  }

  /**
   * True exactly once per `(username, time, nonce)` while its record lives (`ttlMs` from now, on
   * this store's monotonic clock). Throws when the store is full: the request fails closed (503).
   *
   * @example
   * ```ts
   * const fresh = await nonces.claim({ username: 'billing', time: 1700000000, nonce: 'Zk3q…', ttlMs: 31_000 })
   * ```
   */
  claim(claim: NonceClaim): Promise<boolean> {
    try {
      return Promise.resolve(this.claimNow(claim))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  private claimNow({ username, time, nonce, ttlMs }: NonceClaim): boolean {
    if (typeof ttlMs !== 'number' || !(ttlMs >= 1) || !Number.isFinite(ttlMs)) {
      throw new AjwtError('invalid_options', `MemoryNonceStore: ttlMs must be a finite number of milliseconds ≥ 1, got ${String(ttlMs)}`)
    }
    if (typeof username !== 'string' || typeof nonce !== 'string' || typeof time !== 'number') {
      throw new AjwtError('invalid_options', 'MemoryNonceStore: claim({ username: string, time: number, nonce: string, ttlMs })')
    }
    const now = this.now()
    // A NaN expiry would sit at the top of the heap forever and stop all reclaiming.
    if (!Number.isFinite(now)) throw new AjwtError('store_unavailable', 'MemoryNonceStore: the clock is not a number')
    this.sweep(now)
    const key = tripleHash(username, time, nonce)
    // After the sweep every entry left is live; a key is in the heap exactly once while in the Set.
    if (this.entries.has(key)) return false
    if (this.entries.size >= this.maxEntries) {
      throw new AjwtError('store_unavailable', `MemoryNonceStore is full (${this.maxEntries} live entries)`)
    }
    this.entries.add(key)
    this.push(now + ttlMs, key)
    return true
  }

  private sweep(now: number): void {
    const times = this.heapTimes
    while (times.length > 0 && times[0]! <= now) {
      this.entries.delete(this.heapKeys[0]!)
      this.pop()
    }
  }

  private push(time: number, key: number): void {
    const times = this.heapTimes
    const keys = this.heapKeys
    let i = times.length
    times.push(time)
    keys.push(key)
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (times[parent]! <= time) break
      times[i] = times[parent]!
      keys[i] = keys[parent]!
      i = parent
    }
    times[i] = time
    keys[i] = key
  }

  private pop(): void {
    const times = this.heapTimes
    const keys = this.heapKeys
    const lastTime = times.pop()!
    const lastKey = keys.pop()!
    const n = times.length
    if (n === 0) return
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      if (left >= n) break
      const right = left + 1
      const child = right < n && times[right]! < times[left]! ? right : left
      if (times[child]! >= lastTime) break
      times[i] = times[child]!
      keys[i] = keys[child]!
      i = child
    }
    times[i] = lastTime
    keys[i] = lastKey
  }
}
