import { asciiBytes, decodeBase64url, decodeBase64urlText } from '#backend'
import { AjwtError } from '../errors/ajwt-error.ts'
import { describeCause } from './describe-cause.ts'

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** A compact JWS taken apart; nothing in it is trusted yet. */
export interface DecodedToken {
  header: Record<string, unknown>
  claims: Record<string, unknown>
  /** The bytes the signature covers: `base64url(header).base64url(claims)`. */
  signingInput: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

/** Stage 2: three base64url segments, a canonical signature, two JSON objects. */
export function decodeToken(token: string): DecodedToken {
  if (!COMPACT_JWS.test(token)) throw new AjwtError('malformed', 'not a compact JWS (three base64url segments)')
  const firstDot = token.indexOf('.')
  const lastDot = token.lastIndexOf('.')
  const encodedSignature = token.slice(lastDot + 1)
  // Lenient decoders ignore the unused low bits of the last character: without this check one
  // signature would have several spellings, i.e. a valid token could be altered and still pass.
  if (!isCanonicalBase64url(encodedSignature)) throw new AjwtError('malformed', 'the signature is not canonical base64url')
  let header: unknown
  let claims: unknown
  try {
    header = JSON.parse(decodeBase64urlText(token.slice(0, firstDot)))
    claims = JSON.parse(decodeBase64urlText(token.slice(firstDot + 1, lastDot)))
  } catch (cause) {
    throw new AjwtError('malformed', `undecodable token: ${describeCause(cause)}`, { cause })
  }
  if (!isJsonObject(header)) throw new AjwtError('malformed', 'the JOSE header is not a JSON object')
  if (!isJsonObject(claims)) throw new AjwtError('malformed', 'the claims are not a JSON object')
  return {
    header,
    claims,
    signingInput: asciiBytes(token.slice(0, lastDot)),
    signature: decodeBase64url(encodedSignature),
  }
}

function isCanonicalBase64url(text: string): boolean {
  const rest = text.length % 4
  if (rest === 0) return true
  if (rest === 1) return false
  const last = BASE64URL.indexOf(text[text.length - 1]!)
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
