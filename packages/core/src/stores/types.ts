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
 * Remembers which `(username, time, nonce)` have been used. `claim` must be ATOMIC: true exactly
 * once per triple while the clock is before `expiresAt` (unix seconds, the first instant at which
 * the token can no longer be accepted), however many callers race; a separate "check" then
 * "write" is a replay hole. Throw when the store cannot answer: the request then fails closed
 * with 503, never open.
 *
 * @example
 * ```ts
 * const fresh = await nonces.claim('billing', 1700000000, 'Zk3…', 1700000020)
 * ```
 */
export interface NonceStore {
  claim(username: string, time: number, nonce: string, expiresAt: number): Promise<boolean>
}
