import { decodeBase64url, decodeBase64urlText } from '#backend'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

// RFC 4648 §5 without padding and with the unused bits zero, by its definition rather than by a decoder.
function canonical(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined
  const out: number[] = []
  let bits = 0
  let value = 0
  for (const char of text) {
    value = ((value << 6) | ALPHABET.indexOf(char)) & 0xffff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out.push((value >> bits) & 0xff)
    }
  }
  return (value & ((1 << bits) - 1)) === 0 ? Uint8Array.from(out) : undefined
}

const encode = (bytes: Uint8Array): string => {
  let text = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const chunk = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6))
    for (let c = 0; c < chars; c++) text += ALPHABET[(chunk >> (18 - 6 * c)) & 63]
  }
  return text
}

const mixed = fc.string({
  unit: fc.oneof(fc.constantFrom(...ALPHABET), fc.constantFrom('+', '/', '=', ' ', '\t', '\n', '\r', '.', '%', '\u0000', 'é', '😀', '\ud800')),
  maxLength: 40,
})

describe('decodeBase64url (the backend of this project)', () => {
  it('gives back any bytes from their canonical encoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(Uint8Array.from(decodeBase64url(encode(bytes))!)).toEqual(bytes)
      }),
    )
  })

  it('accepts exactly the canonical spellings: no foreign character, padding, whitespace or unused bit', () => {
    fc.assert(
      fc.property(mixed, (text) => {
        const expected = canonical(text)
        const decoded = decodeBase64url(text)
        expect(decoded === undefined, JSON.stringify(text)).toBe(expected === undefined)
        if (decoded) expect(Uint8Array.from(decoded)).toEqual(expected)
        expect(decodeBase64urlText(text) === undefined).toBe(expected === undefined)
      }),
      { numRuns: 2000 },
    )
  })

  it('refuses every other spelling of the same bytes', () => {
    const sig = encode(Uint8Array.from({ length: 64 }, (_, i) => i * 7))
    const siblings = [
      `${sig}==`,
      `${sig.slice(0, 40)} ${sig.slice(40)}`,
      `${sig.slice(0, 40)}\n${sig.slice(40)}`,
      sig.replaceAll('-', '+').replaceAll('_', '/'),
      ...Array.from({ length: 15 }, (_, unused) => sig.slice(0, -1) + ALPHABET[ALPHABET.indexOf(sig.at(-1)!) | (unused + 1)]),
    ].filter((text) => text !== sig)
    expect(sig).toMatch(/[-_]/)
    for (const text of siblings) expect(decodeBase64url(text), JSON.stringify(text)).toBeUndefined()
    expect(decodeBase64url(sig)).toBeDefined()
  })

  it('decodes UTF-8 text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 50 }), (text) => {
        expect(decodeBase64urlText(encode(new TextEncoder().encode(text)))).toBe(text)
      }),
    )
  })
})
