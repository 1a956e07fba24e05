import { AjwtError } from '../errors/ajwt-error.ts'

const ALGORITHMS: ReadonlySet<string> = new Set(['RS512', 'RS384', 'RS256', 'EdDSA', 'Ed25519'])
// Headers that would make a verifier fetch or trust key material named by the token itself.
const FORBIDDEN_HEADERS: ReadonlySet<string> = new Set(['jku', 'x5u', 'jwk', 'x5c', 'crit', 'zip', 'enc'])
const KID = /^[A-Za-z0-9_.:+=-]{1,256}$/
// A client sends the same kid with every token: the last one found valid is not matched again.
let lastValidKid: string | undefined

/** What the verifier takes from a JOSE header: only a hint, the key decides the rest. */
export interface CheckedHeader {
  alg: string
  kid: string | undefined
}

/**
 * Stage 3: an algorithm ajwt knows (`none`, HMAC and the rest are refused before any crypto), no
 * header that points at key material, and a `kid` that is a short id.
 */
export function checkHeader(header: Record<string, unknown>): CheckedHeader {
  const alg = header.alg
  if (typeof alg !== 'string' || !ALGORITHMS.has(alg)) {
    throw new AjwtError('invalid_algorithm', `algorithm ${JSON.stringify(alg)} is not accepted`)
  }
  // The header's own names (two or three), not seven lookups: it came from JSON.parse, so every
  // name is its own and enumerable.
  for (const name in header) {
    if (FORBIDDEN_HEADERS.has(name)) throw new AjwtError('invalid_header', `the "${name}" header is not accepted`)
  }
  const kid = header.kid
  if (kid !== undefined && kid !== lastValidKid) {
    if (typeof kid !== 'string' || !KID.test(kid)) throw new AjwtError('invalid_header', 'the "kid" header is not a short key id')
    lastValidKid = kid
  }
  return { alg, kid: kid as string | undefined }
}
