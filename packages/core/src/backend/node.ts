// The Node signature backend, chosen by the `node` condition of @ajwt/core's `#backend` import.
// node:crypto with a KeyObject made once is ~3× faster than WebCrypto for RSA (DESIGN §5).
import { Buffer } from 'node:buffer'
import { createHash, createPublicKey, hash, verify, type JsonWebKey, type KeyObject } from 'node:crypto'
import { hasCanonicalTail } from '../bytes/base64url-tail.ts'
import type {
  AsciiBytes,
  CreateSha256,
  CreateSignatureCheck,
  DecodeBase64url,
  DecodeBase64urlText,
  Sha256Base64url,
  SignatureCheck,
} from './types.ts'

const RSA_HASH: Record<string, string> = { RS256: 'sha256', RS384: 'sha384', RS512: 'sha512' }

export const backendName = 'node:crypto'

export const createSignatureCheck: CreateSignatureCheck = async (publicJwk, type) => {
  const key: KeyObject = createPublicKey({ key: publicJwk as JsonWebKey, format: 'jwk' })
  if (type === 'ed25519') {
    const check: SignatureCheck = (_algorithm, data, signature, offThread) => {
      if (offThread) return verifyOnThreadpool(data, key, signature)
      try {
        return verify(null, data, key, signature)
      } catch {
        return false
      }
    }
    return check
  }
  return (algorithm, data, signature) => {
    const hash = RSA_HASH[algorithm]
    if (!hash) return false
    try {
      // The KeyObject itself, not `{ key, padding }`: the options object measured ~40 % slower.
      return verify(hash, data, key, signature)
    } catch {
      return false
    }
  }
}

// The callback form of crypto.verify runs the check on libuv's threadpool.
function verifyOnThreadpool(data: Uint8Array, key: KeyObject, signature: Uint8Array): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      verify(null, data, key, signature, (error, valid) => resolve(error === null && valid === true))
    } catch {
      resolve(false)
    }
  })
}

// Buffer's native codecs, measured in bench/: jose's portable decoder (atob and a loop on Node 24)
// and TextEncoder cost ~6 µs of a ~33 µs RS256 verification. Buffer's decoder is lenient: it skips
// foreign characters (whitespace, `=`, `.`, …), takes `+` and `/` as `-` and `_`, and ignores unused
// bits. So canonical text is recognised without a pattern over every character: no `+` or `/`, a
// last character without unused bits, and every character decoded (a skipped one shortens the
// output; `n mod 4 = 1` characters are never canonical). Counted by bench's `instructions`.
function decodeCanonical(text: string): Buffer<ArrayBuffer> | undefined {
  if (!hasCanonicalTail(text)) return undefined
  const bytes = Buffer.from(text, 'base64url')
  return bytes.length === (text.length * 3) >> 2 && !text.includes('+') && !text.includes('/') ? bytes : undefined
}

export const decodeBase64url: DecodeBase64url = decodeCanonical

export const decodeBase64urlText: DecodeBase64urlText = (text) => decodeCanonical(text)?.toString('utf8')

export const asciiBytes: AsciiBytes = (text) => Buffer.from(text, 'latin1')

export const sha256Base64url: Sha256Base64url = (data) => hash('sha256', data, 'base64url')

export const createSha256: CreateSha256 = () => {
  const hash = createHash('sha256')
  return {
    update: (chunk) => {
      hash.update(chunk)
    },
    digest: () => Promise.resolve(hash.digest('base64url')),
  }
}
