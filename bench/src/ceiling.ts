// The ceiling: the least work that still authenticates a request the ajwt way, written by hand on
// node:crypto. One KeyObject made once, one crypto.verify, a time window, one Map check-and-set.
import { createPublicKey, verify } from 'node:crypto'
import { USERNAME, type Alg } from './types.ts'

const HASH: Record<Alg, string | null> = { EdDSA: null, RS256: 'sha256', RS512: 'sha512' }

/** A ceiling token's parts, once its header, claims and time window have passed. */
export interface CeilingToken {
  username: string
  time: number
  /** The nonce record's key: username, time and nonce. */
  id: string
  data: Buffer
  signature: Buffer
}

/**
 * The ceiling's parsing: split, base64url, `JSON.parse`, the algorithm, the user, the claims' types
 * and the time window. Undefined when any of them fails.
 */
export function parseCeilingToken(authorization: string | undefined, alg: Alg, toleranceSeconds: number): CeilingToken | undefined {
  if (authorization === undefined || !authorization.startsWith('JWT ')) return undefined
  const first = authorization.indexOf('.', 4)
  const second = authorization.indexOf('.', first + 1)
  if (first < 0 || second < 0) return undefined
  let header: { alg?: unknown }
  let claims: { username?: unknown; time?: unknown; nonce?: unknown }
  try {
    header = JSON.parse(Buffer.from(authorization.slice(4, first), 'base64url').toString()) as typeof header
    claims = JSON.parse(Buffer.from(authorization.slice(first + 1, second), 'base64url').toString()) as typeof claims
  } catch {
    return undefined
  }
  const { username, time, nonce } = claims
  if (header.alg !== alg || username !== USERNAME || typeof time !== 'number' || typeof nonce !== 'string') return undefined
  if (Math.abs(Date.now() / 1000 - time) > toleranceSeconds) return undefined
  return {
    username,
    time,
    id: `${username}\u0000${time}\u0000${nonce}`,
    data: Buffer.from(authorization.slice(4, second), 'latin1'),
    signature: Buffer.from(authorization.slice(second + 1), 'base64url'),
  }
}

/** Returns a check: the username when the `JWT` Authorization header is valid and fresh, else undefined. */
export function createCeiling(publicKeyPem: string, alg: Alg, toleranceSeconds: number): (authorization: string | undefined) => string | undefined {
  const key = createPublicKey(publicKeyPem)
  const hash = HASH[alg]
  const seen = new Map<string, number>()
  return (authorization) => {
    const token = parseCeilingToken(authorization, alg, toleranceSeconds)
    if (!token || !verify(hash, token.data, key, token.signature)) return undefined
    if (seen.has(token.id)) return undefined
    seen.set(token.id, token.time + toleranceSeconds)
    return token.username
  }
}
