import { base64url, type JWK } from 'jose'
import { decodeBase64 } from './pem.ts'

// The SSH wire format (RFC 4251 §5): uint32 length-prefixed strings and mpints.
class SshReader {
  private at = 0
  constructor(private readonly buf: Uint8Array) {}

  uint32(): number {
    if (this.at + 4 > this.buf.length) throw new RangeError('OpenSSH key: truncated')
    const b = this.buf
    const value = ((b[this.at]! << 24) >>> 0) + (b[this.at + 1]! << 16) + (b[this.at + 2]! << 8) + b[this.at + 3]!
    this.at += 4
    return value
  }

  bytes(): Uint8Array {
    const length = this.uint32()
    if (this.at + length > this.buf.length) throw new RangeError('OpenSSH key: truncated')
    const out = this.buf.subarray(this.at, this.at + length)
    this.at += length
    return out
  }

  text(): string {
    return new TextDecoder().decode(this.bytes())
  }

  mpint(): Uint8Array {
    const raw = this.bytes()
    let start = 0
    while (start < raw.length - 1 && raw[start] === 0) start++
    return raw.subarray(start)
  }
}

export interface OpenSshPublicKey {
  jwk: JWK
  comment?: string
}

/** `ssh-ed25519 AAAA… comment` or `ssh-rsa AAAA… comment` → public JWK. */
export function parseOpenSshPublicKey(line: string): OpenSshPublicKey {
  const [type, blob, ...rest] = line.trim().split(/\s+/)
  if (!type || !blob) throw new RangeError('OpenSSH public key: expected "<type> <base64> [comment]"')
  const reader = new SshReader(decodeBase64(blob))
  const inner = reader.text()
  if (inner !== type) throw new RangeError(`OpenSSH public key: type ${type} does not match the type inside its blob`)
  const comment = rest.length > 0 ? rest.join(' ') : undefined
  if (type === 'ssh-ed25519') {
    const x = reader.bytes()
    if (x.length !== 32) throw new RangeError('OpenSSH public key: Ed25519 key must be 32 bytes')
    return { jwk: { kty: 'OKP', crv: 'Ed25519', x: base64url.encode(x) }, comment }
  }
  if (type === 'ssh-rsa') {
    const e = reader.mpint()
    const n = reader.mpint()
    return { jwk: { kty: 'RSA', n: base64url.encode(n), e: base64url.encode(e) }, comment }
  }
  throw new RangeError(`OpenSSH public key: unsupported type ${type} (use ssh-ed25519 or ssh-rsa)`)
}

const OPENSSH_MAGIC = 'openssh-key-v1\0'

/** An unencrypted `-----BEGIN OPENSSH PRIVATE KEY-----` Ed25519 key (openssh-key-v1) → private JWK. */
export function parseOpenSshPrivateKey(der: Uint8Array): JWK {
  const magic = new TextDecoder().decode(der.subarray(0, OPENSSH_MAGIC.length))
  if (magic !== OPENSSH_MAGIC) throw new RangeError('OpenSSH private key: bad magic')
  const reader = new SshReader(der.subarray(OPENSSH_MAGIC.length))
  const cipher = reader.text()
  reader.text()
  reader.bytes()
  if (cipher !== 'none') {
    throw new RangeError(
      'OpenSSH private key is passphrase-protected; convert it with `ssh-keygen -p -m PKCS8 -f KEY` and pass the passphrase',
    )
  }
  if (reader.uint32() !== 1) throw new RangeError('OpenSSH private key: expected exactly one key')
  reader.bytes()
  const priv = new SshReader(reader.bytes())
  if (priv.uint32() !== priv.uint32()) throw new RangeError('OpenSSH private key: corrupt (check bytes differ)')
  const type = priv.text()
  if (type !== 'ssh-ed25519') {
    const name = /^[a-z0-9@.-]{1,64}$/.test(type) ? type : 'this key type'
    throw new RangeError(`OpenSSH private key: ${name} is not supported here; convert it with ssh-keygen -p -m PKCS8`)
  }
  const x = priv.bytes()
  const secret = priv.bytes()
  if (x.length !== 32 || secret.length !== 64) throw new RangeError('OpenSSH private key: bad Ed25519 key length')
  if (!secret.subarray(32).every((byte, i) => byte === x[i])) {
    throw new RangeError('OpenSSH private key: the public key does not match the secret key')
  }
  return { kty: 'OKP', crv: 'Ed25519', x: base64url.encode(x), d: base64url.encode(secret.subarray(0, 32)) }
}
