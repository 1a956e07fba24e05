import type { NonceClaim } from './types.ts'

/**
 * Checks what a {@link NonceStore} is asked to record, for stores that hand it to a server: the
 * username and nonce are text, `time` a finite number, `ttlMs` a positive finite number of
 * milliseconds (a ttl the store could not keep is refused, never rounded to nothing). Throws a
 * `TypeError` (a built-in type, so it crosses RPC boundaries such as Durable Objects with its
 * name); the verifier turns it into a 503, never an acceptance.
 *
 * @example
 * ```ts
 * async claim(claim: NonceClaim): Promise<boolean> {
 *   assertNonceClaim(claim, 'MyNonceStore')
 *   return (await redis.set(keyOf(claim), '1', { NX: true, PX: Math.ceil(claim.ttlMs) })) === 'OK'
 * }
 * ```
 */
export function assertNonceClaim(claim: unknown, store: string): asserts claim is NonceClaim {
  const { username, time, nonce, ttlMs } = (typeof claim === 'object' && claim !== null ? claim : {}) as Partial<NonceClaim>
  if (typeof username !== 'string' || typeof nonce !== 'string' || typeof time !== 'number' || !Number.isFinite(time)) {
    throw new TypeError(`${store}.claim({ username: string, time: number, nonce: string, ttlMs: number })`)
  }
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || !(ttlMs > 0)) {
    throw new TypeError(`${store}: ttlMs must be a positive number of milliseconds, got ${String(ttlMs)}`)
  }
}
