import { importPublicKey, type PublicKeyInput } from '../keys/import-public-key.ts'
import type { PublicKey } from '../keys/public-key.ts'
import type { KeyStore } from './types.ts'

const NONE: readonly PublicKey[] = Object.freeze([])

/**
 * Public keys held in memory: several per user, added and removed at runtime. Keys are imported
 * once, when added, never per request.
 *
 * @example
 * ```ts
 * const keys = new MemoryKeyStore({
 *   billing: ['ssh-ed25519 AAAAC3Nza… billing@host', rsaPemString],
 * })
 * await keys.addKey('reports', jwk)
 * keys.removeKey('billing', oldKid)
 * ```
 */
export class MemoryKeyStore implements KeyStore {
  private readonly users = new Map<string, readonly PublicKey[]>()
  private ready: Promise<void>

  constructor(initial: Readonly<Record<string, readonly PublicKeyInput[]>> = {}) {
    this.ready = Promise.all(
      Object.entries(initial).map(async ([username, keys]) => {
        const list: readonly PublicKeyInput[] = Array.isArray(keys) ? keys : [keys as PublicKeyInput]
        // Imported in parallel, kept in the given order: keys without kid are tried in that order.
        for (const key of await Promise.all(list.map((input) => importPublicKey(input)))) this.insert(username, key)
      }),
    ).then(() => undefined)
    // A bad initial key surfaces on the first lookup (and in `loaded()`), not as an unhandled rejection.
    this.ready.catch(() => undefined)
  }

  /** Resolves once the keys given to the constructor are imported; rejects if one is invalid. */
  loaded(): Promise<void> {
    return this.ready
  }

  async getKeys(username: string): Promise<readonly PublicKey[]> {
    await this.ready
    return this.users.get(username) ?? NONE
  }

  /** Imports and adds a key for a user; adding a key the user already has is a no-op. */
  async addKey(username: string, key: PublicKeyInput, options: { comment?: string } = {}): Promise<PublicKey> {
    const imported = await importPublicKey(key, options)
    this.insert(username, imported)
    return imported
  }

  private insert(username: string, key: PublicKey): void {
    const current = this.users.get(username) ?? NONE
    if (!current.some((k) => k.fingerprint === key.fingerprint)) {
      this.users.set(username, Object.freeze([...current, key]))
    }
  }

  /** Removes a user's key by `kid` (or fingerprint); true if one was removed. */
  removeKey(username: string, kid: string): boolean {
    const current = this.users.get(username)
    if (!current) return false
    const rest = current.filter((k) => k.kid !== kid && k.fingerprint !== kid)
    if (rest.length === current.length) return false
    if (rest.length === 0) this.users.delete(username)
    else this.users.set(username, Object.freeze(rest))
    return true
  }

  /** Every user that has at least one key. */
  usernames(): string[] {
    return [...this.users.keys()]
  }
}
