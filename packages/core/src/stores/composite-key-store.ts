import type { PublicKey } from '../keys/public-key.ts'
import type { KeyLookupHint, KeyStore } from './types.ts'

/**
 * Asks several key stores in order; the first that has keys for the user wins.
 *
 * @example
 * ```ts
 * const keys = new CompositeKeyStore([new MemoryKeyStore({ ops: [opsKey] }), postgresKeys])
 * ```
 */
export class CompositeKeyStore implements KeyStore {
  private readonly stores: readonly KeyStore[]

  constructor(stores: readonly KeyStore[]) {
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
