import { normalizeOrigin } from './syntax.ts'

/** A received absolute URL taken apart as it is: path and query are not normalised. */
export interface ReceivedUrl {
  scheme: string
  authority: string
  /** `/` when empty. */
  path: string
  /** The characters after `?` (before any `#`), `''` when there is none. */
  query: string
}

const ABSOLUTE_URL = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?/

/**
 * Splits the URL a server received. Deliberately not `new URL()`: that would resolve `/a/../b`
 * and re-encode characters, so the path compared would not be the one the app routes on.
 */
export function splitUrl(url: unknown): ReceivedUrl | undefined {
  if (typeof url !== 'string') return undefined
  const match = ABSOLUTE_URL.exec(url)
  if (!match) return undefined
  const [, scheme, authority, path, query] = match
  if (normalizeOrigin(scheme!, authority!) === undefined) return undefined
  return { scheme: scheme!, authority: authority!, path: path || '/', query: query ?? '' }
}
