import { asciiBytes, decodeBase64url, decodeBase64urlText } from '#backend'
import { AjwtError } from '../errors/ajwt-error.ts'
import { describeCause } from './describe-cause.ts'

/** A compact JWS taken apart; nothing in it is trusted yet. */
export interface DecodedToken {
  header: Record<string, unknown>
  claims: Record<string, unknown>
  /** The bytes the signature covers: `base64url(header).base64url(claims)`. */
  signingInput: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

/** Stage 2: three canonical base64url segments, two JSON objects. */
export function decodeToken(token: string): DecodedToken {
  const firstDot = token.indexOf('.')
  const secondDot = token.indexOf('.', firstDot + 1)
  if (firstDot < 1 || secondDot < firstDot + 2) throw new AjwtError('malformed', 'not a compact JWS (three base64url segments)')
  // Each decoder refuses anything but canonical base64url (a third dot included): one token, one spelling.
  const signature = decodeBase64url(token.slice(secondDot + 1))
  if (signature === undefined) throw new AjwtError('malformed', 'the signature is not canonical base64url')
  const headerText = decodeBase64urlText(token.slice(0, firstDot))
  const claimsText = decodeBase64urlText(token.slice(firstDot + 1, secondDot))
  if (headerText === undefined || claimsText === undefined) throw new AjwtError('malformed', 'the header or the claims are not canonical base64url')
  let header: unknown
  let claims: unknown
  try {
    header = JSON.parse(headerText)
    claims = JSON.parse(claimsText)
  } catch (cause) {
    throw new AjwtError('malformed', `undecodable token: ${describeCause(cause)}`, { cause })
  }
  if (!isJsonObject(header)) throw new AjwtError('malformed', 'the JOSE header is not a JSON object')
  if (!isJsonObject(claims)) throw new AjwtError('malformed', 'the claims are not a JSON object')
  return { header, claims, signingInput: asciiBytes(token.slice(0, secondDot)), signature }
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
