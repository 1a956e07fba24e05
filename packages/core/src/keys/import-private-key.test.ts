import {
  createCipheriv,
  createPrivateKey,
  generateKeyPairSync,
  pbkdf2Sync,
  randomBytes,
  type KeyExportOptions,
  type KeyObject,
} from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { expectAjwtError, NOW, vectors, type KeyName } from '../../test/helpers.ts'
import { createSigner } from '../signer/create-signer.ts'
import { MemoryKeyStore } from '../stores/memory-key-store.ts'
import { MemoryNonceStore } from '../stores/memory-nonce-store.ts'
import { createVerifier } from '../verifier/create-verifier.ts'
import { encodeTlv, concat } from './der.ts'
import { importPrivateKey } from './import-private-key.ts'
import { importPublicKey } from './import-public-key.ts'
import type { PrivateKey } from './private-key.ts'
import { toPem } from './pem.ts'

const PASSPHRASE = 'correct horse'

/** Signs a token with `key` and verifies it against the PUBLIC key given in `publicPem`. */
async function expectSignsFor(key: PrivateKey, publicPem: string): Promise<void> {
  const verifier = createVerifier({
    keys: new MemoryKeyStore({ guido: [publicPem] }),
    nonces: new MemoryNonceStore(),
    now: () => NOW,
  })
  const signer = createSigner({ username: 'guido', privateKey: key, now: () => NOW })
  const result = await verifier.verify(await signer.authorization())
  expect(result.ok ? result.auth.kid : result.error.detail).toBe((await importPublicKey(publicPem)).kid)
}

const jwkOf = (pem: string): Record<string, unknown> =>
  createPrivateKey(pem).export({ format: 'jwk' }) as Record<string, unknown>

const pemOf = (key: KeyObject, encoding: KeyExportOptions<'pem'>): string => key.export(encoding).toString()

describe('importPrivateKey: every format signs tokens that verify against the reference public key', () => {
  for (const name of Object.keys(vectors.keys) as KeyName[]) {
    const vector = vectors.keys[name]
    const algorithm = name.startsWith('rsa') ? 'RS512' : 'EdDSA'
    const formats: Array<[string, unknown, { passphrase?: string }?]> = [
      ['PKCS#8 PEM', vector.private_pkcs8_pem],
      ['private JWK object', jwkOf(vector.private_pkcs8_pem)],
      ['private JWK JSON text', JSON.stringify(jwkOf(vector.private_pkcs8_pem))],
    ]
    if ('private_pkcs1_pem' in vector) formats.push(['PKCS#1 "RSA PRIVATE KEY"', vector.private_pkcs1_pem])
    if ('private_pkcs8_pem_encrypted' in vector) {
      formats.push(['encrypted PKCS#8 (Python cryptography)', vector.private_pkcs8_pem_encrypted, { passphrase: vector.passphrase }])
    }
    if ('private_openssh' in vector) formats.push(['OpenSSH private key', vector.private_openssh])

    for (const [format, input, options] of formats) {
      it(`${name}: ${format}`, async () => {
        const key = await importPrivateKey(input as string, options)
        expect(key.kid).toBe(vector.kid)
        expect(key.publicKey.kid).toBe(vector.kid)
        expect(key.algorithm).toBe(algorithm)
        expect(key.type).toBe(name.startsWith('rsa') ? 'rsa' : 'ed25519')
        await expectSignsFor(key, vector.public_spki_pem)
      })
    }
  }

  it('the encrypted reference keys use the passphrase "correct horse"', () => {
    expect(vectors.keys.rsa.passphrase).toBe(PASSPHRASE)
    expect(vectors.keys.rsa3072.passphrase).toBe(PASSPHRASE)
  })

  it('a passphrase given for a plain key is ignored', async () => {
    const key = await importPrivateKey(vectors.keys.ed25519.private_pkcs8_pem, { passphrase: 'unused' })
    expect(key.kid).toBe(vectors.keys.ed25519.kid)
  })

  it('an imported key is returned as is', async () => {
    const key = await importPrivateKey(vectors.keys.ed25519.private_pkcs8_pem)
    expect(await importPrivateKey(key)).toBe(key)
  })
})

describe('importPrivateKey: encrypted PKCS#8 written by node:crypto (OpenSSL)', () => {
  const ed = generateKeyPairSync('ed25519')
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const publicPem = (pair: { publicKey: KeyObject }) => pemOf(pair.publicKey, { type: 'spki', format: 'pem' })

  for (const cipher of ['aes-256-cbc', 'aes-192-cbc', 'aes-128-cbc']) {
    for (const [name, pair] of [['ed25519', ed], ['rsa', rsa]] as const) {
      it(`${name}, ${cipher}`, async () => {
        const pem = pemOf(pair.privateKey, { type: 'pkcs8', format: 'pem', cipher, passphrase: 'tr0ub4dor&3' })
        expect(pem).toContain('ENCRYPTED PRIVATE KEY')
        await expectSignsFor(await importPrivateKey(pem, { passphrase: 'tr0ub4dor&3' }), publicPem(pair))
      })
    }
  }

  // node:crypto always writes HMAC-SHA-256 as the PBKDF2 PRF: build the other PRFs by hand, and
  // have node:crypto (OpenSSL) decrypt each one first, so the files are known to be standard.
  for (const prf of ['sha1', 'sha256', 'sha384', 'sha512'] as const) {
    it(`PBES2 with PBKDF2-HMAC-${prf.toUpperCase()} and AES-256-CBC`, async () => {
      const plain = ed.privateKey.export({ type: 'pkcs8', format: 'der' })
      const pem = encryptPkcs8(plain, 'pässwörd ✓', prf)
      expect(createPrivateKey({ key: pem, passphrase: 'pässwörd ✓' }).asymmetricKeyType).toBe('ed25519')
      await expectSignsFor(await importPrivateKey(pem, { passphrase: 'pässwörd ✓' }), publicPem(ed))
      await expectAjwtError(() => importPrivateKey(pem, { passphrase: 'passwort' }), 'invalid_key', /wrong passphrase/)
    })
  }

  it('refuses an encryption other than PBES2 + AES-CBC, saying what to use', async () => {
    const pem = pemOf(ed.privateKey, { type: 'pkcs8', format: 'pem', cipher: 'des-ede3-cbc', passphrase: 'x' })
    await expectAjwtError(() => importPrivateKey(pem, { passphrase: 'x' }), 'invalid_key', /AES-128\/192\/256-CBC/)
  })

  it('refuses a PBKDF2 PRF it does not know', async () => {
    const plain = ed.privateKey.export({ type: 'pkcs8', format: 'der' })
    const pem = encryptPkcs8(plain, 'x', 'sha256', '1.2.840.113549.2.8' /* hmacWithSHA224 */)
    await expectAjwtError(() => importPrivateKey(pem, { passphrase: 'x' }), 'invalid_key', /PRF/)
  })
})

describe('importPrivateKey: refusals are AjwtError invalid_key with a clear message', () => {
  const rsa = vectors.keys.rsa

  it('wrong, missing or non-text passphrase', async () => {
    const encrypted = rsa.private_pkcs8_pem_encrypted
    await expectAjwtError(() => importPrivateKey(encrypted, { passphrase: 'Correct horse' }), 'invalid_key', /wrong passphrase/)
    await expectAjwtError(() => importPrivateKey(encrypted, { passphrase: '' }), 'invalid_key', /wrong passphrase/)
    await expectAjwtError(() => importPrivateKey(encrypted), 'invalid_key', /passphrase is required/)
    await expectAjwtError(() => importPrivateKey(encrypted, {}), 'invalid_key', /passphrase is required/)
    await expectAjwtError(
      () => importPrivateKey(encrypted, { passphrase: 42 as unknown as string }),
      'invalid_key',
      /passphrase must be a string/,
    )
  })

  it('a damaged encrypted key', async () => {
    const lines = rsa.private_pkcs8_pem_encrypted.trim().split('\n')
    const body = Buffer.from(lines.slice(1, -1).join(''), 'base64')
    body[body.length - 20]! ^= 0xff
    await expectAjwtError(
      () => importPrivateKey(toPem('ENCRYPTED PRIVATE KEY', body), { passphrase: PASSPHRASE }),
      'invalid_key',
      /wrong passphrase, or the encrypted key is damaged/,
    )
    const truncated = toPem('ENCRYPTED PRIVATE KEY', body.subarray(0, 60))
    await expectAjwtError(() => importPrivateKey(truncated, { passphrase: PASSPHRASE }), 'invalid_key', /./)
  })

  it('legacy encrypted PEM (Proc-Type headers), with advice', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const legacy = pemOf(privateKey, { type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' })
    expect(legacy).toContain('Proc-Type')
    await expectAjwtError(() => importPrivateKey(legacy, { passphrase: 'x' }), 'invalid_key', /openssl pkcs8 -topk8/)
  })

  it('public keys: a private key is needed to sign', async () => {
    for (const input of [rsa.public_spki_pem, rsa.public_jwk, JSON.stringify(vectors.keys.ed25519.public_jwk)]) {
      await expectAjwtError(() => importPrivateKey(input as string), 'invalid_key', /public key|private key is needed/)
    }
    await expectAjwtError(() => importPrivateKey(rsa.public_openssh), 'invalid_key', /unrecognised private key/)
  })

  it('EC, Ed448 and X25519 private keys in PKCS#8, SEC1 and JWK', async () => {
    const inputs: unknown[] = []
    for (const type of ['ec', 'ed448', 'x25519'] as const) {
      const { privateKey } = type === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync(type as 'ed448')
      inputs.push(pemOf(privateKey, { type: 'pkcs8', format: 'pem' }), privateKey.export({ format: 'jwk' }))
      if (type === 'ec') inputs.push(pemOf(privateKey, { type: 'sec1', format: 'pem' }))
    }
    for (const input of inputs) {
      await expectAjwtError(() => importPrivateKey(input as string), 'invalid_key', /Ed25519 or RSA|unsupported PEM block "EC PRIVATE KEY"/)
    }
  })

  it('RSA keys under 2048 bits in every format', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const inputs = [
      pemOf(privateKey, { type: 'pkcs8', format: 'pem' }),
      pemOf(privateKey, { type: 'pkcs1', format: 'pem' }),
      pemOf(privateKey, { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }),
      privateKey.export({ format: 'jwk' }),
    ]
    for (const input of inputs) {
      await expectAjwtError(() => importPrivateKey(input as string, { passphrase: 'x' }), 'invalid_key', /1024 bits refused/)
    }
  })

  it('OpenSSH keys it cannot use: passphrase-protected, RSA, corrupt', async () => {
    const encrypted = openSshPrivateKey({ cipher: 'aes256-ctr', kdf: 'bcrypt', body: Buffer.alloc(48) })
    await expectAjwtError(() => importPrivateKey(encrypted), 'invalid_key', /passphrase-protected.*ssh-keygen -p -m PKCS8/)
    const rsaKey = openSshPrivateKey({ body: Buffer.concat([u32(7), u32(7), sshString('ssh-rsa'), sshString('…')]) })
    await expectAjwtError(() => importPrivateKey(rsaKey), 'invalid_key', /ssh-rsa is not supported/)
    const corrupt = openSshPrivateKey({ body: Buffer.concat([u32(7), u32(8), sshString('ssh-ed25519')]) })
    await expectAjwtError(() => importPrivateKey(corrupt), 'invalid_key', /corrupt/)
    const truncated = openSshPrivateKey({ body: Buffer.concat([u32(7), u32(7), sshString('ssh-ed25519'), u32(32)]) })
    await expectAjwtError(() => importPrivateKey(truncated), 'invalid_key', /truncated/)
    await expectAjwtError(() => importPrivateKey(toPem('OPENSSH PRIVATE KEY', Buffer.from('not-openssh'))), 'invalid_key', /bad magic/)
  })

  it('an OpenSSH Ed25519 key whose public half does not match its secret', async () => {
    const lines = vectors.keys.ed25519.private_openssh.trim().split('\n')
    const blob = Buffer.from(lines.slice(1, -1).join(''), 'base64')
    const x = Buffer.from(vectors.keys.ed25519.public_jwk.x, 'base64url')
    const otherX = Buffer.from(vectors.keys.ed25519_other.public_jwk.x, 'base64url')
    // Replace the public key in the outer blob and in the private section, not in the secret's tail.
    let at = blob.indexOf(x)
    for (let copies = 0; copies < 2; copies++) {
      expect(at).toBeGreaterThan(0)
      otherX.copy(blob, at)
      at = blob.indexOf(x, at + 1)
    }
    expect(at, 'the secret ends with the public key').toBeGreaterThan(0)
    await expectAjwtError(() => importPrivateKey(toPem('OPENSSH PRIVATE KEY', blob)), 'invalid_key', /does not match/)
  })

  it('a private JWK whose public half does not match its secret', async () => {
    const jwk = { ...jwkOf(vectors.keys.ed25519.private_pkcs8_pem), x: vectors.keys.ed25519_other.public_jwk.x }
    await expectAjwtError(() => importPrivateKey(jwk), 'invalid_key', /does not match|could not be imported/)
  })

  it('a file path or bytes instead of the key text: says to read the file', async () => {
    for (const path of ['./billing', '/home/me/.ssh/id_ed25519', 'billing.pem', 'C:\\keys\\billing.key']) {
      await expectAjwtError(() => importPrivateKey(path), 'invalid_key', /looks like a file path: read the file, e\.g\. readFileSync\(path, 'utf8'\)/)
    }
    await expectAjwtError(() => importPrivateKey(Buffer.from(rsa.private_pkcs8_pem) as unknown as string), 'invalid_key', /not bytes/)
  })

  it('malformed input, never another exception', async () => {
    const malformed: unknown[] = [
      '',
      'hello',
      '{',
      '{"kty":"OKP","crv":"Ed25519","x":"AAAA","d":"AAAA"}',
      '[1]',
      '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
      '-----BEGIN PRIVATE KEY-----\n%%%%\n-----END PRIVATE KEY-----\n',
      '-----BEGIN RSA PRIVATE KEY-----\nMAA=\n-----END RSA PRIVATE KEY-----\n',
      '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n',
      toPem('PRIVATE KEY', new Uint8Array([0x30, 0x84, 0xff, 0xff, 0xff, 0xff])),
      { kty: 'RSA', n: '!!!', e: 'AQAB', d: '!!!' },
      { kty: 'OKP', crv: 'Ed25519', x: vectors.keys.ed25519.public_jwk.x, d: 12 },
      {},
      null,
      undefined,
      7,
    ]
    for (const input of malformed) {
      await expectAjwtError(() => importPrivateKey(input as string, { passphrase: 'x' }), 'invalid_key', /./)
    }
  })
})

function u32(value: number): Buffer {
  const out = Buffer.alloc(4)
  out.writeUInt32BE(value)
  return out
}

function sshString(value: string | Uint8Array): Buffer {
  const bytes = Buffer.from(value)
  return Buffer.concat([u32(bytes.length), bytes])
}

function openSshPrivateKey(options: { cipher?: string; kdf?: string; body: Buffer }): string {
  const blob = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString(options.cipher ?? 'none'),
    sshString(options.kdf ?? 'none'),
    sshString(''),
    u32(1),
    sshString(Buffer.concat([sshString('ssh-ed25519'), sshString(Buffer.alloc(32))])),
    sshString(options.body),
  ])
  return toPem('OPENSSH PRIVATE KEY', blob)
}

const OIDS: Record<string, string> = {
  sha1: '1.2.840.113549.2.7',
  sha256: '1.2.840.113549.2.9',
  sha384: '1.2.840.113549.2.10',
  sha512: '1.2.840.113549.2.11',
}

function oid(text: string): Uint8Array {
  const [a, b, ...rest] = text.split('.').map(Number)
  const bytes = [a! * 40 + b!]
  for (const part of rest) {
    const chunk = [part & 0x7f]
    for (let v = part >>> 7; v > 0; v >>>= 7) chunk.unshift((v & 0x7f) | 0x80)
    bytes.push(...chunk)
  }
  return encodeTlv(0x06, new Uint8Array(bytes))
}

const NULL = new Uint8Array([0x05, 0x00])
const seq = (...items: Uint8Array[]) => encodeTlv(0x30, concat(...items))
const octets = (bytes: Uint8Array) => encodeTlv(0x04, bytes)
const int = (value: number) => encodeTlv(0x02, new Uint8Array([(value >> 8) & 0xff, value & 0xff]))

/** EncryptedPrivateKeyInfo, PBES2 with PBKDF2-HMAC-`prf` and AES-256-CBC (RFC 8018). */
function encryptPkcs8(plain: Buffer, passphrase: string, prf: keyof typeof OIDS, prfOid = OIDS[prf]!): string {
  const salt = randomBytes(16)
  const iv = randomBytes(16)
  const iterations = 2048
  const key = pbkdf2Sync(passphrase, salt, iterations, 32, prf)
  const cipher = createCipheriv('aes-256-cbc', key, iv)
  const encrypted = Buffer.concat([cipher.update(plain), cipher.final()])
  const info = seq(
    seq(
      oid('1.2.840.113549.1.5.13'),
      seq(
        seq(oid('1.2.840.113549.1.5.12'), seq(octets(salt), int(iterations), seq(oid(prfOid), NULL))),
        seq(oid('2.16.840.1.101.3.4.1.42'), octets(iv)),
      ),
    ),
    octets(encrypted),
  )
  return toPem('ENCRYPTED PRIVATE KEY', info)
}
