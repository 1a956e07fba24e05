import { AjwtError } from '../errors/ajwt-error.ts'
import { importPublicKey, type PublicKeyInput } from '../keys/import-public-key.ts'
import { assertPublicKeyShape } from '../keys/key-shape.ts'
import type { PublicKey } from '../keys/public-key.ts'
import { KEYS_NOW } from './answer-now.ts'
import type { KeyStore } from './types.ts'

const NONE: readonly PublicKey[] = Object.freeze([])

/**
 * Public keys held in memory: several per user, added and removed at runtime. Keys are imported
 * once, when added, never per request.
 *
 * The constructor checks the shape of every key synchronously and throws an `AjwtError`
 * (`invalid_key`) at once for what is plainly not a usable public key: a file path instead of the
 * file's content, a Buffer, a number, a private key (PEM, OpenSSH or JWK with `d`), an EC or other
 * unsupported key, an RSA key of the wrong size or exponent, an Ed25519 point of small order, or
 * text in no key format. Importing the keys is asynchronous: a key that is damaged inside (a
 * corrupt PEM body, say) is found then, and rejects {@link loaded} and every {@link getKeys}.
 * Messages name the user and the key's position, never the key's content.
 *
 * @example
 * ```ts
 * const keys = new MemoryKeyStore({
 *   billing: ['ssh-ed25519 AAAAC3Nza… billing@host', readFileSync('billing-rsa.pub', 'utf8')],
 * })
 * await keys.loaded() // optional: fail at startup rather than on the first request
 * await keys.addKey('reports', jwk)
 * keys.removeKey('billing', oldKid)
 * ```
 */
export class MemoryKeyStore implements KeyStore {
  private readonly users = new Map<string, readonly PublicKey[]>()
  private ready: Promise<void>
  private imported = false
  // Subclasses (EnvKeyStore) are named in messages as the class the user wrote.
  private readonly storeName: string

  constructor(initial: Readonly<Record<string, readonly PublicKeyInput[]>> = {}) {
    const storeName = new.target.name || 'MemoryKeyStore'
    this.storeName = storeName
    if (typeof initial !== 'object' || initial === null || Array.isArray(initial)) {
      throw new AjwtError('invalid_options', `${storeName} takes an object: { username: [public keys] }`)
    }
    const entries = Object.entries(initial).map(([username, keys]): [string, readonly PublicKeyInput[]] => {
      const list: readonly PublicKeyInput[] = Array.isArray(keys) ? keys : [keys as PublicKeyInput]
      list.forEach((input, index) => {
        try {
          assertPublicKeyShape(input)
        } catch (error) {
          throw naming(error, storeName, username, list.length > 1 ? index : undefined)
        }
      })
      return [username, list]
    })
    this.ready = Promise.all(
      entries.map(async ([username, list]) => {
        // Imported in parallel, kept in the given order: keys without kid are tried in that order.
        const keys = await Promise.all(
          list.map((input, index) =>
            importPublicKey(input).catch((error: unknown) => {
              throw naming(error, storeName, username, list.length > 1 ? index : undefined)
            }),
          ),
        )
        for (const key of keys) this.insert(username, key)
      }),
    ).then(() => undefined)
    // A key found damaged by the import surfaces on the first lookup (and in `loaded()`), not as an unhandled rejection.
    this.ready.then(
      () => {
        this.imported = true
      },
      () => undefined,
    )
  }

  /**
   * Resolves once the keys given to the constructor are imported; rejects with the `invalid_key`
   * error of the first key the import refused (one the constructor's synchronous check could not
   * see, such as a corrupt PEM body).
   *
   * @example
   * ```ts
   * const keys = new MemoryKeyStore({ billing: [pem] })
   * await keys.loaded() // at startup: a bad key stops the process here, not at the first request
   * ```
   */
  loaded(): Promise<void> {
    return this.ready
  }

  async getKeys(username: string): Promise<readonly PublicKey[]> {
    await this.ready
    return this.users.get(username) ?? NONE
  }

  /** @internal `getKeys` answered now, unless a subclass or a patch replaced `getKeys` (it must be asked). */
  [KEYS_NOW](username: string): readonly PublicKey[] | undefined {
    if (!this.imported || this.getKeys !== MemoryKeyStore.prototype.getKeys) return undefined
    return this.users.get(username) ?? NONE
  }

  /**
   * Imports and adds a key for a user; adding a key the user already has is a no-op. Rejects with
   * `invalid_key` (and changes nothing) for the inputs the constructor refuses.
   *
   * @example
   * ```ts
   * const key = await keys.addKey('reports', 'ssh-ed25519 AAAAC3Nza… reports@host', { comment: 'rotated 2026-11' })
   * ```
   */
  async addKey(username: string, key: PublicKeyInput, options: { comment?: string } = {}): Promise<PublicKey> {
    let imported: PublicKey
    try {
      imported = await importPublicKey(key, options) // whose first step is the same shape check
    } catch (error) {
      throw naming(error, this.storeName, username)
    }
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

function naming(error: unknown, storeName: string, username: string, index?: number): unknown {
  if (!(error instanceof AjwtError)) return error
  const which = index === undefined ? 'the key' : `key ${index + 1}`
  return new AjwtError(error.code, `${storeName}: ${which} of user ${JSON.stringify(username)}: ${error.detail}`, { cause: error })
}
