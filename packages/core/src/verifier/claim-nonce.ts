import { AjwtError } from '../errors/ajwt-error.ts'
import { CLAIM_NOW, type AnswersNow } from '../stores/answer-now.ts'
import type { NonceClaim, NonceStore } from '../stores/types.ts'
import type { CheckedClaims } from './check-claims.ts'
import { describeCause } from './describe-cause.ts'

/**
 * Stage 9: records `(username, time, nonce)` once, atomically. The store keeps the record for a
 * duration measured on ITS clock: the seconds this server could still accept the token
 * (`remaining`, on this server's clock) plus `skew`, the most that the clocks of the servers
 * sharing the store may differ, so that no server whose clock lags can still accept the token
 * once the record is gone. Only an answer of exactly `true` counts as fresh.
 */
export function claimNonce(nonces: NonceStore, claims: CheckedClaims, remaining: number, skew: number): void | Promise<void> {
  const claim = { username: claims.username, time: claims.time, nonce: claims.nonce, ttlMs: Math.ceil((remaining + skew) * 1000) }
  let fresh: boolean | undefined
  try {
    fresh = (nonces as AnswersNow)[CLAIM_NOW]?.(claim)
  } catch (cause) {
    throw unavailable(cause)
  }
  if (fresh === undefined) return asked(nonces, claim)
  judge(fresh)
}

async function asked(nonces: NonceStore, claim: NonceClaim): Promise<void> {
  let fresh: unknown
  try {
    fresh = await nonces.claim(claim)
  } catch (cause) {
    throw unavailable(cause)
  }
  judge(fresh)
}

function judge(fresh: unknown): void {
  if (fresh !== true) {
    if (fresh === false) throw new AjwtError('replay', 'this (username, time, nonce) was already used')
    throw new AjwtError('store_unavailable', `the nonce store answered ${typeof fresh}, not a boolean`)
  }
}

function unavailable(cause: unknown): AjwtError {
  return new AjwtError('store_unavailable', `the nonce store failed: ${describeCause(cause)}`, { cause })
}
