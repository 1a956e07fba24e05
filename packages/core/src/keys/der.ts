// The few DER shapes that key files need (TLV walk, OID text, re-wrapping PKCS#1). Reading and
// writing containers only: every cryptographic step is done by WebCrypto through jose.

import { concatBytes } from '../bytes/concat-bytes.ts'

export interface Tlv {
  tag: number
  start: number
  end: number
  next: number
}

export function readTlv(buf: Uint8Array, offset: number): Tlv {
  if (offset + 2 > buf.length) throw new RangeError('DER: truncated')
  const tag = buf[offset]!
  let length = buf[offset + 1]!
  let start = offset + 2
  if (length & 0x80) {
    const count = length & 0x7f
    if (count === 0 || count > 4 || start + count > buf.length) throw new RangeError('DER: bad length')
    length = 0
    for (let i = 0; i < count; i++) length = length * 256 + buf[start + i]!
    start += count
  }
  const end = start + length
  if (end > buf.length) throw new RangeError('DER: truncated')
  return { tag, start, end, next: end }
}

export function childrenOf(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = []
  for (let at = parent.start; at < parent.end; ) {
    const child = readTlv(buf, at)
    out.push(child)
    at = child.next
  }
  return out
}

export function contentOf(buf: Uint8Array, tlv: Tlv): Uint8Array {
  return buf.subarray(tlv.start, tlv.end)
}

export function oidToString(bytes: Uint8Array): string {
  const parts: number[] = []
  let value = 0
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f)
    if (byte & 0x80) continue
    if (parts.length === 0) {
      const first = value < 80 ? Math.floor(value / 40) : 2
      parts.push(first, value - first * 40)
    } else {
      parts.push(value)
    }
    value = 0
  }
  return parts.join('.')
}

export function encodeTlv(tag: number, content: Uint8Array): Uint8Array<ArrayBuffer> {
  const length = content.length
  const lengthBytes: number[] = []
  if (length < 0x80) {
    lengthBytes.push(length)
  } else {
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) lengthBytes.unshift(rest & 0xff)
    lengthBytes.unshift(0x80 | lengthBytes.length)
  }
  const out = new Uint8Array(1 + lengthBytes.length + length)
  out[0] = tag
  out.set(lengthBytes, 1)
  out.set(content, 1 + lengthBytes.length)
  return out
}

export function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return concatBytes(parts)
}

export const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1'
export const OID_ED25519 = '1.3.101.112'

/** AlgorithmIdentifier { rsaEncryption, NULL } */
const RSA_ALGORITHM_IDENTIFIER = new Uint8Array([
  0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
])

/** PKCS#1 RSAPublicKey → SubjectPublicKeyInfo. */
export function rsaPublicKeyToSpki(pkcs1: Uint8Array): Uint8Array<ArrayBuffer> {
  const bitString = encodeTlv(0x03, concat(new Uint8Array([0]), pkcs1))
  return encodeTlv(0x30, concat(RSA_ALGORITHM_IDENTIFIER, bitString))
}

/** PKCS#1 RSAPrivateKey → PKCS#8 PrivateKeyInfo. */
export function rsaPrivateKeyToPkcs8(pkcs1: Uint8Array): Uint8Array<ArrayBuffer> {
  const version = new Uint8Array([0x02, 0x01, 0x00])
  return encodeTlv(0x30, concat(version, RSA_ALGORITHM_IDENTIFIER, encodeTlv(0x04, pkcs1)))
}

/** The algorithm OID of a SubjectPublicKeyInfo or a PrivateKeyInfo. */
export function keyAlgorithmOid(der: Uint8Array, kind: 'spki' | 'pkcs8'): string {
  const outer = readTlv(der, 0)
  const items = childrenOf(der, outer)
  const algorithm = items[kind === 'spki' ? 0 : 1]
  if (!algorithm || algorithm.tag !== 0x30) throw new RangeError('DER: no AlgorithmIdentifier')
  const oid = childrenOf(der, algorithm)[0]
  if (!oid || oid.tag !== 0x06) throw new RangeError('DER: no algorithm OID')
  return oidToString(contentOf(der, oid))
}

function unsignedInteger(buf: Uint8Array, tlv: Tlv | undefined): Uint8Array {
  if (!tlv || tlv.tag !== 0x02) throw new RangeError('DER: INTEGER expected')
  const bytes = contentOf(buf, tlv)
  let start = 0
  while (start < bytes.length - 1 && bytes[start] === 0) start++
  return bytes.subarray(start)
}

/** The modulus and exponent of a PKCS#1 RSAPublicKey, as unsigned big-endian bytes. */
export function readRsaPublicKey(pkcs1: Uint8Array): { n: Uint8Array; e: Uint8Array } {
  const [n, e] = childrenOf(pkcs1, readTlv(pkcs1, 0))
  return { n: unsignedInteger(pkcs1, n), e: unsignedInteger(pkcs1, e) }
}

/** The key bits of a SubjectPublicKeyInfo: the BIT STRING's content without its unused-bits byte. */
export function spkiKeyBytes(der: Uint8Array): Uint8Array {
  const bits = childrenOf(der, readTlv(der, 0))[1]
  if (!bits || bits.tag !== 0x03 || bits.end - bits.start < 1 || der[bits.start] !== 0) {
    throw new RangeError('DER: no subjectPublicKey')
  }
  return der.subarray(bits.start + 1, bits.end)
}
