import { AjwtError } from '../errors/ajwt-error.ts'
import type { CheckedClaims } from './check-claims.ts'

/**
 * Stage 5 (run again before and after the nonce claim): the token is inside its window at `now`
 * (unix seconds, this server's clock). Whole seconds are compared, as the reference does, so a
 * token of `time` stays acceptable until the clock reaches `time + tolerance + 1`.
 *
 * @returns the seconds left until this server can no longer accept the token (always > 0)
 */
export function checkTime(claims: CheckedClaims, now: number, tolerance: number): number {
  const second = Math.floor(now)
  const { time, exp, nbf } = claims
  // Written as "not inside" so that a broken clock (NaN) refuses every token instead of none.
  if (!(Math.abs(second - time) <= tolerance)) {
    throw new AjwtError('invalid_time', `"time" is ${second - time} s from the server clock (tolerance ${tolerance} s)`)
  }
  if (exp !== undefined && !(second - tolerance < exp)) throw new AjwtError('token_expired', '"exp" has passed')
  if (nbf !== undefined && !(second + tolerance >= nbf)) throw new AjwtError('token_not_yet_valid', '"nbf" is in the future')
  return time + tolerance + 1 - now
}
