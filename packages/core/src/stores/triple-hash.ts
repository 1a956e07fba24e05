/**
 * A 53-bit hash of `(username, time, nonce)`, computed from the parts without building a string
 * (two 32-bit multiplicative lanes, cyrb53-style; the username's length goes first so that parts
 * cannot slide into each other). The memory nonce store keeps these numbers instead of strings:
 * ~60 bytes per live entry instead of ~215. Two distinct triples share a hash with probability
 * about 2^-53; a collision can only refuse a fresh token (as a replay), never accept a used one.
 */
export function tripleHash(username: string, time: number, nonce: string): number {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  const feed = (code: number) => {
    h1 = Math.imul(h1 ^ code, 2654435761)
    h2 = Math.imul(h2 ^ code, 1597334677)
  }
  feed(username.length)
  for (let i = 0; i < username.length; i++) feed(username.charCodeAt(i))
  // Separators outside the UTF-16 range, and `time` as two 32-bit halves.
  feed(0x10000)
  feed(time % 0x100000000)
  feed(Math.floor(time / 0x100000000))
  feed(0x10001)
  feed(nonce.length)
  for (let i = 0; i < nonce.length; i++) feed(nonce.charCodeAt(i))
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507)
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507)
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 0x100000000 * (0x1fffff & h2) + (h1 >>> 0)
}
