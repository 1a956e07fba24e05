import type { PublicKey } from '../keys/public-key.ts'

/**
 * Where the server finds each client's public keys. Return an empty array for an unknown user;
 * throw when the store cannot answer (the request then fails closed with 503).
 *
 * Returning the same frozen array (`Object.freeze`) while the keys do not change lets the
 * verifier index it by `kid` once; any other array is searched on every request.
 *
 * @example
 * ```ts
 * const keys: KeyStore = { getKeys: async (username) => (username === 'billing' ? [billingKey] : []) }
 * ```
 */
export interface KeyStore {
  /**
   * `hint.kid` is the token's `kid`, when it has one: a store that fetches keys (JwksKeyStore) may
   * use it to refresh when it does not know that key yet. Other stores ignore it.
   */
  getKeys(username: string, hint?: KeyLookupHint): Promise<readonly PublicKey[]>
}

/**
 * What the verifier knows about the wanted key when it asks a {@link KeyStore}.
 *
 * @example
 * ```ts
 * const keys: KeyStore = { getKeys: async (username, hint?: KeyLookupHint) => cache.get(username, hint?.kid) }
 * ```
 */
export interface KeyLookupHint {
  kid?: string
}

/**
 * One use of a token, as the verifier asks a {@link NonceStore} to record it.
 *
 * @example
 * ```ts
 * const claim: NonceClaim = { username: 'billing', time: 1700000000, nonce: 'Zk3q…', ttlMs: 31_000 }
 * ```
 */
export interface NonceClaim {
  readonly username: string
  /** The token's `time` claim (unix seconds): part of the key, never a clock to expire by. */
  readonly time: number
  readonly nonce: string
  /**
   * How long to keep the record, in whole milliseconds (≥ 1), measured on the STORE's own clock
   * from the moment it records the claim: Redis `PX`, PostgreSQL `now() + interval`, a monotonic
   * clock in memory. Never compare it with, or add it to, a time from another machine.
   */
  readonly ttlMs: number
}

/**
 * Remembers which `(username, time, nonce)` have been used. `claim` must be ATOMIC: it answers
 * `true` exactly once per triple while the record lives, however many callers race (a separate
 * "check" then "write" is a replay hole), and `false` for every other claim of it. The record
 * lives at least `ttlMs`, counted on the store's own clock. Throw when the store cannot answer,
 * or cannot keep the record that long: the request then fails closed with 503, never open. Only
 * an answer of exactly `true` accepts a request.
 *
 * Run `describeNonceStore` from `@ajwt/testing` against any implementation.
 *
 * @example
 * ```ts
 * const nonces: NonceStore = {
 *   // SET key 1 NX PX ttl: one atomic command, expired by Redis on its own clock
 *   claim: async ({ username, time, nonce, ttlMs }) =>
 *     (await redis.set(`nonce:${JSON.stringify([username, time, nonce])}`, '1', { NX: true, PX: ttlMs })) === 'OK',
 * }
 * ```
 */
export interface NonceStore {
  claim(claim: NonceClaim): Promise<boolean>
}
