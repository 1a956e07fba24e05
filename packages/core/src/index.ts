import type { JWK as JoseJWK } from 'jose'
export { AjwtError, isAjwtError, type AjwtErrorBody, type AjwtErrorCode } from './errors/ajwt-error.ts'
export type { KeyType } from './backend/types.ts'
export { generateKeyPair, type GeneratedKeyPair } from './keys/generate-key-pair.ts'
export { importPublicKey, type PublicKeyInput } from './keys/import-public-key.ts'
export { importPrivateKey, type PrivateKeyInput } from './keys/import-private-key.ts'
export { isPublicKey, MAX_RSA_BITS, MIN_RSA_BITS, type PublicKey, type VerifySignatureOptions } from './keys/public-key.ts'
export { isPrivateKey, type PrivateKey } from './keys/private-key.ts'
export { toJWKS } from './keys/to-jwks.ts'
export { createSigner, type Signer, type SignerOptions } from './signer/create-signer.ts'
export type { RequestBody, RequestToSign } from './signer/request-claims.ts'
export { createVerifier } from './verifier/create-verifier.ts'
export type { Auth, Verifier, VerifierOptions, VerifyResult } from './verifier/types.ts'
export type { JwksFetchEvent, VerifierTelemetry } from './verifier/telemetry.ts'
export type { BindingPolicy, BindingRequest, BodyBinding } from './binding/types.ts'
export { requestUrl, type RequestUrlParts } from './binding/request-url.ts'
export { checkBody, checkBodyChunks, type BoundAuth } from './binding/check-body.ts'
export {
  createAuthenticator,
  type AjwtOptions,
  type Authenticate,
  type AuthenticateResult,
} from './authenticate/create-authenticator.ts'
export { createNodeAuthenticator, type AuthenticateNode } from './authenticate/create-node-authenticator.ts'
export type { NodeIncomingMessage } from './binding/guard-node-body.ts'
export {
  createFetchAuthenticator,
  type AuthenticateFetch,
  type FetchAuthenticateResult,
} from './authenticate/create-fetch-authenticator.ts'
export type { KeyLookupHint, KeyStore, NonceClaim, NonceStore } from './stores/types.ts'
export { MemoryKeyStore } from './stores/memory-key-store.ts'
export { MemoryNonceStore, type MemoryNonceStoreOptions } from './stores/memory-nonce-store.ts'
export { assertNonceClaim } from './stores/assert-nonce-claim.ts'
export { CompositeKeyStore } from './stores/composite-key-store.ts'
export { JwksKeyStore, type JwksFetch, type JwksKeyStoreOptions } from './stores/jwks-key-store.ts'

/**
 * A JSON Web Key (RFC 7517), as `jose` defines it: what `toJWK()`, `toJWKS()` and JWK inputs use.
 *
 * @example
 * ```ts
 * const jwk: JWK = (await importPublicKey(pem)).toJWK() // { kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig' }
 * ```
 */
export type JWK = JoseJWK
