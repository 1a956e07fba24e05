export {
  PostgresKeyStore,
  type PostgresKeyStoreOptions,
  type StoredPublicKey,
} from './postgres-key-store.ts'
export { PostgresNonceStore, type PostgresNonceStoreOptions } from './postgres-nonce-store.ts'
export type { Queryable } from './shared.ts'
