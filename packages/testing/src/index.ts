export { describeKeyStore, type KeyStoreFactory } from './describe-key-store.ts'
export { describeNonceStore, type NonceStoreSuiteOptions } from './describe-nonce-store.ts'
export {
  describeAdapter,
  type AdapterFetch,
  type AdapterHarness,
  type AdapterHarnessBase,
  type AdapterInject,
  type AdapterListen,
  type AdapterSuiteOptions,
} from './describe-adapter.ts'
export {
  listenOnLoopback,
  supertestFetch,
  webResponse,
  type ListeningApp,
  type LoopbackServer,
  type SupertestAgent,
  type SupertestRequest,
} from './describe-adapter-server.ts'
export { describeWireVectors } from './describe-wire-vectors.ts'
export { backendName } from './backend-name.ts'
