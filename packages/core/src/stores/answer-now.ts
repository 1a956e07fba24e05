import type { PublicKey } from '../keys/public-key.ts'
import type { NonceClaim } from './types.ts'

// What a built-in store can answer without a promise: the verifier then finishes a request in the
// turn it started it, instead of a microtask hop per stage (counted by bench's `instructions`: see bench/README.md).
// Internal: not exported from the package, so no user store can claim to answer now.

/** `getKeys`' answer now, or undefined: keys still being imported, or `getKeys` overridden. */
export const KEYS_NOW = Symbol('ajwt keys now')
/** `claim`'s answer now (it throws what `claim` would reject with), or undefined: `claim` overridden. */
export const CLAIM_NOW = Symbol('ajwt claim now')

export interface AnswersNow {
  [KEYS_NOW]?(username: string): readonly PublicKey[] | undefined
  [CLAIM_NOW]?(claim: NonceClaim): boolean | undefined
}
