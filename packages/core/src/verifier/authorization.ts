/** An auth-scheme is an RFC 9110 token: one word, no spaces. */
export const AUTH_SCHEME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/**
 * Splits `Authorization: <scheme> <credentials>`; the scheme word is compared case-insensitively.
 * A bare scheme word is ours with empty credentials (rejected as malformed, never passed through).
 */
export function credentialsFor(authorization: string, schemeLower: string): string | undefined {
  if (authorization.length === schemeLower.length) {
    return authorization.toLowerCase() === schemeLower ? '' : undefined
  }
  const space = authorization.indexOf(' ')
  if (space !== schemeLower.length) return undefined
  if (authorization.slice(0, space).toLowerCase() !== schemeLower) return undefined
  return authorization.slice(space + 1).trim()
}
