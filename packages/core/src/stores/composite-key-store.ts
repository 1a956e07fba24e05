import { AjwtError } from '../errors/ajwt-error.ts'
import type { PublicKey } from '../keys/public-key.ts'
import type { KeyLookupHint, KeyStore } from './types.ts'

/**
 * Asks several key stores in order; the first that has keys for the user wins. A store that
 * throws makes the lookup throw (the request gets 503): a failing store never lets a later one
 * answer for the user. The constructor throws `invalid_options` for anything but an array of
 * key stores.
 *
 * @example
 * ```ts
 * const keys = new CompositeKeyStore([new MemoryKeyStore({ ops: [opsKey] }), postgresKeys])
 * ```
 */
export class CompositeKeyStore implements KeyStore {
  private readonly stores: readonly KeyStore[]

  constructor(stores: readonly KeyStore[]) {
    if (!Array.isArray(stores) || !stores.every((store) => typeof (store as Partial<KeyStore> | null)?.getKeys === 'function')) {
      throw new AjwtError('invalid_options', 'CompositeKeyStore takes an array of key stores (objects with getKeys)')
    }
    this.stores = [...stores]
  }

  async getKeys(username: string, hint?: KeyLookupHint): Promise<readonly PublicKey[]> {
    for (const store of this.stores) {
      const keys = await store.getKeys(username, hint)
      if (keys.length > 0) return keys
    }
    return []
  }
}
