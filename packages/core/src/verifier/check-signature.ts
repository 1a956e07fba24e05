import { AjwtError } from '../errors/ajwt-error.ts'
import { importPublicKey } from '../keys/import-public-key.ts'
import type { PublicKey, VerifySignatureOptions } from '../keys/public-key.ts'
import type { Candidates } from './find-keys.ts'

// Public keys nobody holds the private half of (made once for ajwt and thrown away): a check
// against them always fails, at the cost of a real check.
const STAND_IN_ED25519 = { kty: 'OKP', crv: 'Ed25519', x: '7YFYvLYoYrU8ABIx1hmygH0V9QNVrRqUotSx0YG-G0Q' }
const STAND_IN_RSA = {
  kty: 'RSA',
  e: 'AQAB',
  n:
    'v3IRdWQu2dv-PBZo6JCmMQ1GxmqYbl4sBuU1nEru9eCeD2HDefjIv5WH47_GRK0M8dS0A_5szGtT2qvU5sZm7ynHEfNMJ8To4RIywC-Pflm12UGi94-z_Co6Uw-82fyn9hTHM4' +
    'SchCVzjOfYwAtMT_rbNNe7ZdcpmKxIhL16xZZLMIn9PfAVOQ7ZZCMTxGOdkCaNv9XeO1mhdqQS08TfKz_8NTN2AI1zpZafkhM_hac9l6AWfvqZhUhaCGjrQF_HL_edGATTr8cJbf' +
    'g4YWVfAqI_6IyLQYAzEjKCRSVjE-hGc6K7OzkBeNvF1LL2LgasHxRt3ODdjoOQVq15cR-UJw',
}

interface StandIns {
  ed25519: PublicKey
  rsa: PublicKey
}

let standIns: Promise<StandIns> | undefined
let loaded: StandIns | undefined

/** The stand-in keys, imported once per process (each verifier starts the import when created). */
export function loadStandIns(): Promise<StandIns> {
  standIns ??= Promise.all([importPublicKey(STAND_IN_ED25519), importPublicKey(STAND_IN_RSA)]).then(([ed25519, rsa]) => {
    loaded = { ed25519, rsa }
    return loaded
  })
  return standIns
}

/**
 * Stage 7: the first candidate key the signature verifies with. With no candidate (unknown user,
 * no key of that algorithm) one check against a stand-in key is spent anyway and the refusal is
 * thrown: the answer AND its timing are those of a bad signature. Synchronous while the checks are
 * (node:crypto's are; WebCrypto's and the threadpool's are not).
 */
export function checkSignature(
  candidates: Candidates,
  alg: string,
  data: Uint8Array<ArrayBuffer>,
  signature: Uint8Array<ArrayBuffer>,
  options?: VerifySignatureOptions,
): PublicKey | Promise<PublicKey> {
  if (candidates.refusal) return spendOnStandIn(candidates.refusal, alg, data, signature, options)
  const { keys } = candidates
  for (let i = 0; i < keys.length; i++) {
    const valid = keys[i]!.verifySignature(alg, data, signature, options)
    if (valid instanceof Promise) return settleInTurn(valid, keys, i, alg, data, signature, options)
    if (valid === true) return keys[i]!
  }
  throw new AjwtError('invalid_signature', "the signature does not verify with any of the user's keys")
}

async function settleInTurn(
  pending: Promise<boolean>,
  keys: readonly PublicKey[],
  from: number,
  alg: string,
  data: Uint8Array<ArrayBuffer>,
  signature: Uint8Array<ArrayBuffer>,
  options?: VerifySignatureOptions,
): Promise<PublicKey> {
  if ((await pending) === true) return keys[from]!
  for (let i = from + 1; i < keys.length; i++) {
    if ((await keys[i]!.verifySignature(alg, data, signature, options)) === true) return keys[i]!
  }
  throw new AjwtError('invalid_signature', "the signature does not verify with any of the user's keys")
}

function spendOnStandIn(
  refusal: AjwtError,
  alg: string,
  data: Uint8Array<ArrayBuffer>,
  signature: Uint8Array<ArrayBuffer>,
  options?: VerifySignatureOptions,
): never | Promise<never> {
  const standIn = (keys: StandIns) => (alg.startsWith('RS') ? keys.rsa : keys.ed25519).verifySignature(alg, data, signature, options)
  let spent: boolean | Promise<boolean> | undefined
  try {
    spent = loaded ? standIn(loaded) : loadStandIns().then(standIn)
  } catch {
    // The stand-in only costs time; whatever happens to it, the answer is the refusal.
  }
  if (spent instanceof Promise) {
    return spent.then(
      () => Promise.reject(refusal),
      () => Promise.reject(refusal),
    )
  }
  throw refusal
}
