export { describeKeyStore, type KeyStoreFactory } from './describe-key-store.ts'
export { describeNonceStore, type NonceStoreSuiteOptions } from './describe-nonce-store.ts'
export { describeAdapter, type AdapterFetch, type AdapterHarness, type AdapterSuiteOptions } from './describe-adapter.ts'
export {
  listenOnLoopback,
  supertestFetch,
  webResponse,
  type ListeningApp,
  type LoopbackServer,
  type SupertestAgent,
} from './describe-adapter-server.ts'
