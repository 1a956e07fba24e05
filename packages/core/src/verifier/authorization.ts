/** Splits `Authorization: <scheme> <credentials>`; the scheme word is compared case-insensitively. */
export function credentialsFor(authorization: string, schemeLower: string): string | undefined {
  const space = authorization.indexOf(' ')
  if (space !== schemeLower.length) return undefined
  if (authorization.slice(0, space).toLowerCase() !== schemeLower) return undefined
  return authorization.slice(space + 1).trim()
}
