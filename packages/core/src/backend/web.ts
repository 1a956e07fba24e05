// The WebCrypto signature backend: workerd, Deno, Bun, browsers (and Node when asked to).
import { base64url } from 'jose'
import type { AsciiBytes, CreateSignatureCheck, DecodeBase64url, DecodeBase64urlText } from './types.ts'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export const decodeBase64url: DecodeBase64url = (text) => base64url.decode(text) as Uint8Array<ArrayBuffer>

export const decodeBase64urlText: DecodeBase64urlText = (text) => decoder.decode(base64url.decode(text))

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
