import { AjwtError } from '../errors/ajwt-error.ts'
import type { PublicKey } from '../keys/public-key.ts'
import { KEYS_NOW, type AnswersNow } from '../stores/answer-now.ts'
import type { KeyStore } from '../stores/types.ts'
import type { CheckedHeader } from './check-header.ts'
import { describeCause } from './describe-cause.ts'

const NO_HINT = Object.freeze({})

/**
 * The keys a token's signature is checked against. When there are none, `refusal` says why, and
 * the signature stage still spends one check on a stand-in key, so that an unknown user costs
 * what a known user's failed check costs.
 */
export type Candidates = { keys: readonly PublicKey[]; refusal?: undefined } | { keys: readonly []; refusal: AjwtError }

/**
 * Stage 6: the user's keys, then the ones this token may be checked against. A `kid` naming one
 * of them selects it in O(1); a token without `kid`, or with one that matches no key (other
 * clients compute it differently, and the reference ignores it), is tried against each key of its
 * algorithm, at most `maxKeysTried` of them.
 */
export function createKeyFinder(keys: KeyStore, maxKeysTried: number) {
  const kidIndexes = new WeakMap<readonly PublicKey[], Map<string, PublicKey>>()

  const keyByKid = (list: readonly PublicKey[], kid: string): PublicKey | undefined => {
    // Only a frozen array is known not to change under the index; any other is searched afresh,
    // or a key removed from it in place would still verify.
    if (!Object.isFrozen(list)) return list.find((key) => key.kid === kid || key.fingerprint === kid)
    let index = kidIndexes.get(list)
    if (!index) {
      index = new Map()
      for (const key of list) {
        index.set(key.fingerprint, key)
        index.set(key.kid, key)
      }
      kidIndexes.set(list, index)
    }
    return index.get(kid)
  }

  const candidatesOf = (userKeys: unknown, { alg, kid }: CheckedHeader): Candidates => {
    if (!Array.isArray(userKeys)) throw new AjwtError('store_unavailable', 'the key store answered something other than an array')
    const list = userKeys as readonly PublicKey[]
    if (list.length === 0) return refuse('unknown_user', 'no keys for this user')

    if (kid !== undefined) {
      const key = keyByKid(list, kid)
      if (key) {
        return key.algorithms.includes(alg)
          ? { keys: [key] }
          : refuse('invalid_algorithm', `the ${key.type} key does not accept ${alg}`)
      }
    }
    const candidates = list.filter((k) => k.algorithms.includes(alg))
    if (candidates.length === 0) return refuse('invalid_algorithm', `no key of this user accepts ${alg}`)
    if (candidates.length > maxKeysTried) {
      return refuse(
        'kid_required',
        `${candidates.length} keys of this user accept ${alg} (at most ${maxKeysTried} are tried): the token must carry the kid of one`,
      )
    }
    return { keys: candidates }
  }

  const asked = async (username: string, header: CheckedHeader): Promise<Candidates> => {
    let userKeys: readonly PublicKey[]
    try {
      userKeys = await keys.getKeys(username, header.kid === undefined ? NO_HINT : { kid: header.kid })
    } catch (cause) {
      throw new AjwtError('store_unavailable', `the key store failed: ${describeCause(cause)}`, { cause })
    }
    return candidatesOf(userKeys, header)
  }

  const now = (keys as AnswersNow)[KEYS_NOW]?.bind(keys)
  return function findKeys(username: string, header: CheckedHeader): Candidates | Promise<Candidates> {
    const known = now?.(username)
    return known === undefined ? asked(username, header) : candidatesOf(known, header)
  }
}

function refuse(code: 'unknown_user' | 'invalid_algorithm' | 'kid_required', detail: string): Candidates {
  return { keys: [], refusal: new AjwtError(code, detail) }
}
