// The WebCrypto signature backend: workerd, Deno, Bun, browsers (and Node when asked to).
import { base64url } from 'jose'
import { hasCanonicalTail } from '../bytes/base64url-tail.ts'
import { concatBytes } from '../bytes/concat-bytes.ts'
import type {
  AsciiBytes,
  CreateSha256,
  CreateSignatureCheck,
  DecodeBase64url,
  DecodeBase64urlText,
  Sha256,
  Sha256Base64url,
} from './types.ts'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

const ALPHABET = /^[A-Za-z0-9_-]*$/

// jose's decoder (like atob) skips whitespace and ignores the unused low bits of the last character.
const isCanonicalBase64url = (text: string): boolean => ALPHABET.test(text) && hasCanonicalTail(text)

export const decodeBase64url: DecodeBase64url = (text) =>
  isCanonicalBase64url(text) ? (base64url.decode(text) as Uint8Array<ArrayBuffer>) : undefined

export const decodeBase64urlText: DecodeBase64urlText = (text) =>
  isCanonicalBase64url(text) ? decoder.decode(base64url.decode(text)) : undefined

export const asciiBytes: AsciiBytes = (text) => encoder.encode(text)

export const backendName = 'webcrypto'

export const createSignatureCheck: CreateSignatureCheck = async (publicJwk, type) => {
  if (type === 'ed25519') {
    const key = await crypto.subtle.importKey(
      'jwk',
      { kty: 'OKP', crv: 'Ed25519', x: publicJwk.x },
      { name: 'Ed25519' },
      false,
      ['verify'],
    )
    return async (_algorithm, data, signature) => {
      try {
        return await crypto.subtle.verify('Ed25519', key, signature, data)
      } catch {
        return false
      }
    }
  }
  // A WebCrypto RSA key is bound to one hash: one imported key per RS* algorithm, made once.
  const rsaJwk = { kty: 'RSA', n: publicJwk.n, e: publicJwk.e }
  const keys = new Map<string, Promise<CryptoKey>>()
  const keyFor = (algorithm: string): Promise<CryptoKey> => {
    let key = keys.get(algorithm)
    if (!key) {
      key = crypto.subtle.importKey(
        'jwk',
        rsaJwk,
        { name: 'RSASSA-PKCS1-v1_5', hash: `SHA-${algorithm.slice(2)}` },
        false,
        ['verify'],
      )
      keys.set(algorithm, key)
    }
    return key
  }
  await keyFor('RS512')
  return async (algorithm, data, signature) => {
    if (algorithm !== 'RS256' && algorithm !== 'RS384' && algorithm !== 'RS512') return false
    try {
      return await crypto.subtle.verify('RSASSA-PKCS1-v1_5', await keyFor(algorithm), signature, data)
    } catch {
      return false
    }
  }
}

export const sha256Base64url: Sha256Base64url = async (data) =>
  base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>)))

// workerd's non-standard DigestStream hashes as the body streams; WebCrypto alone has no
// incremental digest.
interface DigestStreamLike extends WritableStream<Uint8Array> {
  readonly digest: Promise<ArrayBuffer>
}
type DigestStreamConstructor = new (algorithm: string) => DigestStreamLike

export const createSha256: CreateSha256 = () => {
  const DigestStream = (crypto as unknown as { DigestStream?: DigestStreamConstructor }).DigestStream
  return DigestStream ? streamingSha256(new DigestStream('SHA-256')) : bufferingSha256()
}

function streamingSha256(stream: DigestStreamLike): Sha256 {
  const writer = stream.getWriter()
  return {
    update: (chunk) => writer.write(chunk),
    digest: async () => {
      await writer.close()
      return base64url.encode(new Uint8Array(await stream.digest))
    },
  }
}

/**
 * Without DigestStream (Deno, Bun, browsers, Node's WebCrypto backend) the body is BUFFERED, a
 * copy of each chunk (the source may reuse its buffers), and hashed once at its end: at most the
 * verifier's `maxBoundBodyBytes`, since larger bodies are refused as they arrive.
 */
function bufferingSha256(): Sha256 {
  const chunks: Uint8Array[] = []
  return {
    update: (chunk) => {
      chunks.push(chunk.slice())
    },
    digest: async () => {
      const all = concatBytes(chunks)
      chunks.length = 0
      return sha256Base64url(all)
    },
  }
}
