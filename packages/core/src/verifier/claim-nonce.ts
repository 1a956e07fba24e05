import { AjwtError } from '../errors/ajwt-error.ts'
import type { NonceStore } from '../stores/types.ts'
import type { CheckedClaims } from './check-claims.ts'
import { describeCause } from './describe-cause.ts'

/**
 * Stage 9: records `(username, time, nonce)` once, atomically. The store keeps the record for a
 * duration measured on ITS clock: the seconds this server could still accept the token
 * (`remaining`, on this server's clock) plus `skew`, the most that the clocks of the servers
 * sharing the store may differ, so that no server whose clock lags can still accept the token
 * once the record is gone. Only an answer of exactly `true` counts as fresh.
 */
export async function claimNonce(nonces: NonceStore, claims: CheckedClaims, remaining: number, skew: number): Promise<void> {
  const ttlMs = Math.ceil((remaining + skew) * 1000)
  let fresh: unknown
  try {
    fresh = await nonces.claim({ username: claims.username, time: claims.time, nonce: claims.nonce, ttlMs })
  } catch (cause) {
    throw new AjwtError('store_unavailable', `the nonce store failed: ${describeCause(cause)}`, { cause })
  }
  if (fresh !== true) {
    if (fresh === false) throw new AjwtError('replay', 'this (username, time, nonce) was already used')
    throw new AjwtError('store_unavailable', `the nonce store answered ${typeof fresh}, not a boolean`)
  }
}
