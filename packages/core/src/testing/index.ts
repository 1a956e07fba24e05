export { describeKeyStore, type KeyStoreFactory } from './describe-key-store.ts'
export { describeNonceStore, type NonceStoreSuiteOptions } from './describe-nonce-store.ts'
