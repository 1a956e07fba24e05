import type { PublicKey } from '../keys/public-key.ts'

/**
 * Where the server finds each client's public keys. Return an empty array for an unknown user;
 * throw when the store cannot answer (the request then fails closed with 503).
 *
 * Returning the same array instance while the keys do not change lets the verifier index it by
 * `kid` once.
 *
 * @example
 * ```ts
 * const keys: KeyStore = { getKeys: async (username) => (username === 'billing' ? [billingKey] : []) }
 * ```
 */
export interface KeyStore {
  getKeys(username: string): Promise<readonly PublicKey[]>
}

/**
 * Remembers which `(username, time, nonce)` have been used. `claim` must be ATOMIC: true exactly
 * once per triple until `expiresAt` (unix seconds), however many callers race; a separate
 * "check" then "write" is a replay hole. Throw when the store cannot answer: the request then
 * fails closed with 503, never open.
 *
 * @example
 * ```ts
 * const fresh = await nonces.claim('billing', 1700000000, 'Zk3…', 1700000020)
 * ```
 */
export interface NonceStore {
  claim(username: string, time: number, nonce: string, expiresAt: number): Promise<boolean>
}
