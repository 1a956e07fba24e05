import { AjwtError } from '../errors/ajwt-error.ts'
import { credentialsFor } from './authorization.ts'

/**
 * Stage 1: the compact JWS out of `Authorization: <scheme> <token>`, before any parsing: a missing,
 * non-text, oversized or foreign header is refused here.
 */
export function readToken(authorization: unknown, schemeLower: string, maxHeaderLength: number): string {
  if (authorization === undefined || authorization === null || authorization === '') {
    throw new AjwtError('missing_token', 'no Authorization header')
  }
  if (typeof authorization !== 'string') throw new AjwtError('malformed', 'the Authorization header is not text')
  if (authorization.length > maxHeaderLength) {
    throw new AjwtError('header_too_large', `Authorization header of ${authorization.length} characters (limit ${maxHeaderLength})`)
  }
  const token = credentialsFor(authorization, schemeLower)
  if (token === undefined) throw new AjwtError('invalid_scheme', `the Authorization scheme is not ${schemeLower.toUpperCase()}`)
  return token
}
