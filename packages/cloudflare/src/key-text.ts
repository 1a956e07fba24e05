import { AjwtError, type JWK, type PublicKeyInput } from '@ajwt/core'

/**
 * Username → that client's public keys (SPKI PEM, OpenSSH line, JWK), or one key.
 *
 * @example
 * ```ts
 * const keys: KeyMap = { billing: ['ssh-ed25519 AAAAC3… billing'], reports: jwk }
 * ```
 */
export type KeyMap = Record<string, PublicKeyInput | readonly PublicKeyInput[]>

/** Parses a {@link KeyMap} given as JSON text or as an object (wrangler `vars` may hold either). */
export function parseKeyMap(value: string | KeyMap | undefined, where: string): Record<string, PublicKeyInput[]> {
  return normalise(typeof value === 'string' ? parseJson(value, where) : value, where)
}

/** Parses one user's keys: a JSON array of key texts or JWKs, or one key text. */
export function parseKeyList(text: string, where: string): PublicKeyInput[] {
  return normaliseList(parseJson(text, where), where)
}

function parseJson(text: string, where: string): unknown {
  const trimmed = text.trim()
  // A bare key text (PEM or OpenSSH line) is accepted as-is; anything else must be JSON.
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[') && !trimmed.startsWith('"')) return trimmed
  try {
    return JSON.parse(trimmed)
  } catch {
    throw new AjwtError('invalid_options', `${where}: the value is not valid JSON`)
  }
}

function normalise(value: unknown, where: string): Record<string, PublicKeyInput[]> {
  if (value === undefined || value === '') {
    throw new AjwtError('invalid_options', `${where}: no keys given (is the variable or secret set?)`)
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new AjwtError('invalid_options', `${where}: expected a JSON object of username → [public keys]`)
  }
  const out: Record<string, PublicKeyInput[]> = {}
  for (const [username, keys] of Object.entries(value)) out[username] = normaliseList(keys, `${where} "${username}"`)
  return out
}

function normaliseList(value: unknown, where: string): PublicKeyInput[] {
  const list: unknown[] = Array.isArray(value) ? value : [value]
  for (const key of list) {
    if (typeof key !== 'string' && !(key && typeof key === 'object' && !Array.isArray(key))) {
      throw new AjwtError('invalid_key', `${where}: each key must be a key text or a JWK object`)
    }
  }
  return list as (string | JWK)[]
}
