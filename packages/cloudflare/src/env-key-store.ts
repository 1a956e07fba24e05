import { MemoryKeyStore } from '@ajwt/core'
import { parseKeyMap, type KeyMap } from './key-text.ts'

/**
 * Public keys from an environment variable or secret holding a JSON map of username → keys,
 * imported once (build it inside `withAjwt`'s options function, which runs once per isolate).
 *
 * @example
 * ```ts
 * // wrangler.jsonc: "vars": { "AJWT_KEYS": { "billing": ["ssh-ed25519 AAAAC3… billing"] } }
 * // or: wrangler secret put AJWT_KEYS  (the JSON text)
 * export default withAjwt(handler, (env: Env) => ({
 *   keys: new EnvKeyStore(env.AJWT_KEYS),
 *   nonces: new DurableObjectNonceStore(env.AJWT_NONCES),
 * }))
 * ```
 */
export class EnvKeyStore extends MemoryKeyStore {
  constructor(value: string | KeyMap | undefined) {
    super(parseKeyMap(value, 'EnvKeyStore'))
  }
}
