import type { JWK, PublicKey } from '@ajwt/core'

/**
 * The OpenSSH `authorized_keys` line of an Ed25519 or RSA public key (RFC 4253 §6.6 wire
 * encoding): `ssh-ed25519 AAAAC3Nza… comment` or `ssh-rsa AAAAB3Nza… comment`.
 *
 * @example
 * ```ts
 * const key = await importPublicKey(spkiPem)
 * toOpenSshPublicKey(key, 'billing@host') // 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI… billing@host'
 * ```
 */
export function toOpenSshPublicKey(key: PublicKey | JWK, comment?: string): string {
  const jwk = typeof (key as PublicKey).toJWK === 'function' ? (key as PublicKey).toJWK() : (key as JWK)
  let type: string
  let fields: Buffer[]
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && typeof jwk.x === 'string') {
    type = 'ssh-ed25519'
    fields = [sshString(Buffer.from(type)), sshString(Buffer.from(jwk.x, 'base64url'))]
  } else if (jwk.kty === 'RSA' && typeof jwk.n === 'string' && typeof jwk.e === 'string') {
    type = 'ssh-rsa'
    fields = [sshString(Buffer.from(type)), sshMpint(Buffer.from(jwk.e, 'base64url')), sshMpint(Buffer.from(jwk.n, 'base64url'))]
  } else {
    throw new TypeError(`no OpenSSH form for kty=${String(jwk.kty)} crv=${String(jwk.crv)} (Ed25519 or RSA only)`)
  }
  // A comment is one field to the end of the line: a line break in it would start a new key.
  const note = comment?.replace(/\s+/g, ' ').trim()
  return `${type} ${Buffer.concat(fields).toString('base64')}${note ? ` ${note}` : ''}`
}

function sshString(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(bytes.length)
  return Buffer.concat([length, bytes])
}

// A positive mpint: no leading zero bytes, except one when the top bit is set (it would read as negative).
function sshMpint(unsigned: Buffer): Buffer {
  let start = 0
  while (start < unsigned.length && unsigned[start] === 0) start++
  const magnitude = unsigned.subarray(start)
  return sshString(magnitude.length > 0 && magnitude[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), magnitude]) : magnitude)
}
