import { AjwtError } from '../errors/ajwt-error.ts'
import { CLAIM_NOW } from './answer-now.ts'
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

/** Records are released in whole buckets: at most this many ms after their ttl, never before. */
const BUCKET_MS = 1000
const MIN_CAPACITY = 1024

/**
 * The nonce store for one process. Each live `(username, time, nonce)` is a 53-bit hash of the
 * triple in an open-addressing table (a `Float64Array`, linear probing, no allocation per claim),
 * and in the one-second expiry bucket its record ends in; whole buckets are reclaimed once their
 * second has passed, so a record lives at least its `ttlMs` and at most one second more, and no
 * claim ever scans the store. ~32 bytes per live entry at 100 000 entries. A hash collision
 * (probability ~2^-53 per pair) can only refuse a fresh token, never accept a used one. `claim`
 * runs synchronously, so it is atomic within the process. Records expire by a monotonic clock
 * (`performance.now()`), so a wall-clock step never releases one early.
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
  private table = new Float64Array(MIN_CAPACITY)
  private mask = MIN_CAPACITY - 1
  private count = 0
  private readonly buckets = new Map<number, number[]>()
  /** A min-heap of the bucket numbers in `buckets`. */
  private readonly bucketHeap: number[] = []
  private lastBucket = Number.NaN
  private lastKeys: number[] = []
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
    return this.count
  }

  /**
   * True exactly once per `(username, time, nonce)` while its record lives (`ttlMs` from now, on
   * this store's monotonic clock, rounded up to a whole second). Throws when the store is full:
   * the request fails closed (503).
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

  /** @internal `claim` answered now, unless a subclass or a patch replaced `claim` (it must be asked). */
  [CLAIM_NOW](claim: NonceClaim): boolean | undefined {
    return this.claim === MemoryNonceStore.prototype.claim ? this.claimNow(claim) : undefined
  }

  private claimNow({ username, time, nonce, ttlMs }: NonceClaim): boolean {
    if (typeof ttlMs !== 'number' || !(ttlMs >= 1) || !Number.isFinite(ttlMs)) {
      throw new AjwtError('invalid_options', `MemoryNonceStore: ttlMs must be a finite number of milliseconds ≥ 1, got ${String(ttlMs)}`)
    }
    if (typeof username !== 'string' || typeof nonce !== 'string' || typeof time !== 'number') {
      throw new AjwtError('invalid_options', 'MemoryNonceStore: claim({ username: string, time: number, nonce: string, ttlMs })')
    }
    const now = this.now()
    // A NaN bucket would sit at the top of the heap forever and stop all reclaiming.
    if (!Number.isFinite(now)) throw new AjwtError('store_unavailable', 'MemoryNonceStore: the clock is not a number')
    this.sweep(now)
    // 0 marks an empty slot.
    const key = tripleHash(username, time, nonce) || 1
    const table = this.table
    const mask = this.mask
    let i = key & mask
    for (let k = table[i]!; k !== 0; k = table[i]!) {
      if (k === key) return false
      i = (i + 1) & mask
    }
    if (this.count >= this.maxEntries) {
      throw new AjwtError('store_unavailable', `MemoryNonceStore is full (${this.maxEntries} live entries)`)
    }
    table[i] = key
    this.count++
    this.expireWith(Math.ceil((now + ttlMs) / BUCKET_MS), key)
    if (this.count * 2 > table.length) this.resize(table.length * 2)
    return true
  }

  private expireWith(bucket: number, key: number): void {
    if (bucket !== this.lastBucket) {
      let keys = this.buckets.get(bucket)
      if (keys === undefined) {
        keys = []
        this.buckets.set(bucket, keys)
        this.pushBucket(bucket)
      }
      this.lastBucket = bucket
      this.lastKeys = keys
    }
    this.lastKeys.push(key)
  }

  private sweep(now: number): void {
    const heap = this.bucketHeap
    if (heap.length === 0 || heap[0]! * BUCKET_MS > now) return
    do {
      const bucket = heap[0]!
      for (const key of this.buckets.get(bucket)!) this.remove(key)
      this.buckets.delete(bucket)
      if (bucket === this.lastBucket) this.lastBucket = Number.NaN
      this.popBucket()
    } while (heap.length > 0 && heap[0]! * BUCKET_MS <= now)
    if (this.table.length > MIN_CAPACITY && this.count * 8 < this.table.length) {
      this.resize(Math.max(MIN_CAPACITY, this.table.length >> 1))
    }
  }

  /** Linear probing's backward-shift deletion: no tombstones, so probes stay short forever. */
  private remove(key: number): void {
    const table = this.table
    const mask = this.mask
    let i = key & mask
    while (table[i] !== key) {
      if (table[i] === 0) return
      i = (i + 1) & mask
    }
    for (let j = (i + 1) & mask; table[j] !== 0; j = (j + 1) & mask) {
      const k = table[j]!
      if (((j - (k & mask)) & mask) >= ((j - i) & mask)) {
        table[i] = k
        i = j
      }
    }
    table[i] = 0
    this.count--
  }

  private resize(capacity: number): void {
    const old = this.table
    const table = new Float64Array(capacity)
    const mask = capacity - 1
    for (let s = 0; s < old.length; s++) {
      const key = old[s]!
      if (key === 0) continue
      let i = key & mask
      while (table[i] !== 0) i = (i + 1) & mask
      table[i] = key
    }
    this.table = table
    this.mask = mask
  }

  private pushBucket(bucket: number): void {
    const heap = this.bucketHeap
    let i = heap.length
    heap.push(bucket)
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (heap[parent]! <= bucket) break
      heap[i] = heap[parent]!
      i = parent
    }
    heap[i] = bucket
  }

  private popBucket(): void {
    const heap = this.bucketHeap
    const last = heap.pop()!
    const n = heap.length
    if (n === 0) return
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      if (left >= n) break
      const right = left + 1
      const child = right < n && heap[right]! < heap[left]! ? right : left
      if (heap[child]! >= last) break
      heap[i] = heap[child]!
      i = child
    }
    heap[i] = last
  }
}
