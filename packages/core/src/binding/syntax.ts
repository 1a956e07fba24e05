/** An HTTP method is an RFC 9110 token. */
export const HTTP_METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** A base64url SHA-256 digest without padding: 43 characters. */
export const SHA256_DIGEST = /^[A-Za-z0-9_-]{43}$/

const AUTHORITY = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::(\d{0,5}))?$/

/**
 * `scheme://host[:port]` as RFC 9449 §4.3 (and the WHATWG URL serializer) writes it: scheme and
 * host lower case, default port omitted. `undefined` for another scheme or an authority that is
 * not a plain host (no user info, no stray characters).
 */
export function normalizeOrigin(scheme: string, authority: string): string | undefined {
  const lowerScheme = scheme.toLowerCase()
  if (lowerScheme !== 'https' && lowerScheme !== 'http') return undefined
  const match = AUTHORITY.exec(authority)
  if (!match) return undefined
  const host = match[1]!.toLowerCase()
  const port = match[2]
  if (port === undefined || port === '') return `${lowerScheme}://${host}`
  const number = Number(port)
  if (number > 65535) return undefined
  return number === (lowerScheme === 'https' ? 443 : 80) ? `${lowerScheme}://${host}` : `${lowerScheme}://${host}:${number}`
}
