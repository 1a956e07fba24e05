import { AjwtError } from '../errors/ajwt-error.ts'
import { childrenOf, contentOf, oidToString, readTlv, type Tlv } from './der.ts'

const OID_PBES2 = '1.2.840.113549.1.5.13'
const OID_PBKDF2 = '1.2.840.113549.1.5.12'
const PRF: Record<string, string> = {
  '1.2.840.113549.2.7': 'SHA-1',
  '1.2.840.113549.2.9': 'SHA-256',
  '1.2.840.113549.2.10': 'SHA-384',
  '1.2.840.113549.2.11': 'SHA-512',
}
const AES_CBC: Record<string, number> = {
  '2.16.840.1.101.3.4.1.2': 128,
  '2.16.840.1.101.3.4.1.22': 192,
  '2.16.840.1.101.3.4.1.42': 256,
}

function expect(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (!tlv || tlv.tag !== tag) throw new RangeError(`encrypted PKCS#8: ${what} missing`)
  return tlv
}

function integer(bytes: Uint8Array): number {
  let value = 0
  for (const byte of bytes) value = value * 256 + byte
  return value
}

/**
 * Decrypts an `ENCRYPTED PRIVATE KEY` (PKCS#8 EncryptedPrivateKeyInfo, PBES2 with PBKDF2 and
 * AES-CBC: what OpenSSL, Python's cryptography and node:crypto write) with WebCrypto.
 */
export async function decryptPkcs8(der: Uint8Array, passphrase: string): Promise<Uint8Array<ArrayBuffer>> {
  const outer = expect(readTlv(der, 0), 0x30, 'EncryptedPrivateKeyInfo')
  const [algorithm, data] = childrenOf(der, outer)
  const [schemeOid, params] = childrenOf(der, expect(algorithm, 0x30, 'algorithm'))
  if (oidToString(contentOf(der, expect(schemeOid, 0x06, 'scheme'))) !== OID_PBES2) {
    throw new AjwtError('invalid_key', 'encrypted PKCS#8: only PBES2 (PBKDF2 + AES-CBC) is supported')
  }
  const [kdf, encryption] = childrenOf(der, expect(params, 0x30, 'PBES2 parameters'))
  const [kdfOid, kdfParams] = childrenOf(der, expect(kdf, 0x30, 'key derivation'))
  if (oidToString(contentOf(der, expect(kdfOid, 0x06, 'kdf'))) !== OID_PBKDF2) {
    throw new AjwtError('invalid_key', 'encrypted PKCS#8: only PBKDF2 key derivation is supported')
  }
  const kdfItems = childrenOf(der, expect(kdfParams, 0x30, 'PBKDF2 parameters'))
  const salt = contentOf(der, expect(kdfItems[0], 0x04, 'salt'))
  const iterations = integer(contentOf(der, expect(kdfItems[1], 0x02, 'iterations')))
  let hash = 'SHA-1'
  for (const item of kdfItems.slice(2)) {
    if (item.tag !== 0x30) continue
    const prfOid = childrenOf(der, item)[0]
    const name = prfOid && PRF[oidToString(contentOf(der, prfOid))]
    if (!name) {
      throw new AjwtError('invalid_key', 'encrypted PKCS#8: unsupported PBKDF2 PRF (use HMAC-SHA-1, -256, -384 or -512)')
    }
    hash = name
  }
  const [encOid, iv] = childrenOf(der, expect(encryption, 0x30, 'encryption scheme'))
  const bits = AES_CBC[oidToString(contentOf(der, expect(encOid, 0x06, 'cipher')))]
  if (!bits) {
    throw new AjwtError(
      'invalid_key',
      'encrypted PKCS#8: only AES-128/192/256-CBC encryption is supported (re-encrypt with `openssl pkcs8 -topk8 -v2 aes-256-cbc`)',
    )
  }
  if (iterations < 1 || iterations > 10_000_000) throw new RangeError('encrypted PKCS#8: bad iteration count')

  const password = await crypto.subtle.importKey('raw', new TextEncoder().encode(passphrase), 'PBKDF2', false, [
    'deriveKey',
  ])
  const key = await crypto.subtle.deriveKey(
    { name: 'PBKDF2', salt: copy(salt), iterations, hash },
    password,
    { name: 'AES-CBC', length: bits },
    false,
    ['decrypt'],
  )
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-CBC', iv: copy(contentOf(der, expect(iv, 0x04, 'IV'))) },
    key,
    copy(contentOf(der, expect(data, 0x04, 'encrypted data'))),
  )
  return new Uint8Array(plain)
}

function copy(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes)
}
