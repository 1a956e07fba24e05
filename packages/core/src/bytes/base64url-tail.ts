const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * Whether base64url text of this length can end with this last character canonically: never
 * `n mod 4 = 1` characters, and the last character's unused low bits zero (lenient decoders ignore
 * them, so without this one byte string would have several spellings).
 */
export function hasCanonicalTail(text: string): boolean {
  const rest = text.length & 3
  if (rest === 0) return true
  if (rest === 1) return false
  return (BASE64URL.indexOf(text[text.length - 1]!) & (rest === 2 ? 0x0f : 0x03)) === 0
}
