import { AjwtError } from '../errors/ajwt-error.ts'

const MAX_USERNAME = 256
const MAX_NONCE = 128

/** The claims of the wire protocol, with their types checked. */
export interface CheckedClaims {
  username: string
  time: number
  nonce: string
  exp: number | undefined
  nbf: number | undefined
}

/** Stage 4: `username`, `time` and `nonce` of the right types and sizes; `exp`/`nbf` numbers if present. */
export function checkClaims(claims: Record<string, unknown>): CheckedClaims {
  const { username, time, nonce, exp, nbf } = claims
  if (typeof username !== 'string' || username.length === 0 || username.length > MAX_USERNAME) {
    throw new AjwtError('invalid_claims', `"username" must be a string of 1 to ${MAX_USERNAME} characters`)
  }
  if (typeof nonce !== 'string' || nonce.length === 0 || nonce.length > MAX_NONCE) {
    throw new AjwtError('invalid_claims', `"nonce" must be a string of 1 to ${MAX_NONCE} characters`)
  }
  if (typeof time !== 'number' || !Number.isSafeInteger(time) || time <= 0) {
    throw new AjwtError('invalid_claims', '"time" must be a positive integer (unix seconds)')
  }
  if ((exp !== undefined && typeof exp !== 'number') || (nbf !== undefined && typeof nbf !== 'number')) {
    throw new AjwtError('invalid_claims', '"exp" and "nbf" must be numbers')
  }
  return { username, time, nonce, exp, nbf }
}
