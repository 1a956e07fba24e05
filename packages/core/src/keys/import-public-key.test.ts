import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { expectAjwtError, vectors, type KeyName } from '../../test/helpers.ts'
import { importPublicKey } from './import-public-key.ts'
import { toPem } from './pem.ts'

const names = Object.keys(vectors.keys) as KeyName[]

function pkcs1PublicPem(spki: string): string {
  return createPublicKey(spki).export({ type: 'pkcs1', format: 'pem' }).toString()
}

function rewrap(pem: string, width: number, eol: string): string {
  const [, label, body] = /-----BEGIN ([A-Z ]+)-----([\s\S]+?)-----END/.exec(pem)!
  const b64 = body!.replace(/\s+/g, '')
  const lines = b64.match(new RegExp(`.{1,${width}}`, 'g'))!
  return `-----BEGIN ${label}-----${eol}${lines.join(eol)}${eol}-----END ${label}-----${eol}`
}

describe('importPublicKey: every format yields the reference kid and round-trips', () => {
  for (const name of names) {
    const vector = vectors.keys[name]

    it(`${name}: SPKI PEM`, async () => {
      const key = await importPublicKey(vector.public_spki_pem)
      expect(key.kid).toBe(vector.kid)
      expect(key.fingerprint).toBe(vector.kid)
      expect(key.toPEM()).toBe(vector.public_spki_pem)
      expect(key.type).toBe(name.startsWith('rsa') ? 'rsa' : 'ed25519')
      expect(key.bits).toBe(name === 'rsa3072' ? 3072 : name === 'rsa' ? 2048 : 256)
      expect(key.comment).toBeUndefined()
      expect('comment' in key).toBe(false)
    })

    it(`${name}: SPKI PEM with CRLF, 76-character lines and surrounding blanks`, async () => {
      const key = await importPublicKey(`\n  ${rewrap(vector.public_spki_pem, 76, '\r\n')}\n\n`)
      expect(key.kid).toBe(vector.kid)
      expect(key.toPEM()).toBe(vector.public_spki_pem)
    })

    it(`${name}: OpenSSH line, comment kept`, async () => {
      const key = await importPublicKey(vector.public_openssh)
      expect(key.kid).toBe(vector.kid)
      expect(key.toPEM()).toBe(vector.public_spki_pem)
      expect(key.comment).toBe(vector.public_openssh.split(' ').slice(2).join(' '))
      const [type, blob] = vector.public_openssh.split(' ')
      const spaced = await importPublicKey(`${type} ${blob}   deploy key  for  billing `)
      expect(spaced.comment).toBe('deploy key for billing')
      expect(spaced.kid).toBe(vector.kid)
      const bare = await importPublicKey(`${type} ${blob}`)
      expect(bare.comment).toBeUndefined()
      expect(bare.kid).toBe(vector.kid)
    })

    it(`${name}: an explicit comment wins over the OpenSSH one`, async () => {
      const key = await importPublicKey(vector.public_openssh, { comment: 'rotated 2026-11' })
      expect(key.comment).toBe('rotated 2026-11')
    })

    it(`${name}: JWK object and JWK JSON text, and its own toJWK`, async () => {
      const fromObject = await importPublicKey(vector.public_jwk)
      const fromText = await importPublicKey(JSON.stringify(vector.public_jwk))
      const { kid: _kid, alg: _alg, use: _use, ...bareJwk } = vector.public_jwk as Record<string, unknown>
      const fromBare = await importPublicKey(bareJwk)
      for (const key of [fromObject, fromText, fromBare]) {
        expect(key.kid).toBe(vector.kid)
        expect(key.fingerprint).toBe(vector.kid)
        expect(key.toPEM()).toBe(vector.public_spki_pem)
      }
      const exported = fromBare.toJWK()
      expect(exported).toMatchObject({ kid: vector.kid, use: 'sig', alg: name.startsWith('rsa') ? 'RS512' : 'EdDSA' })
      expect(exported).not.toHaveProperty('d')
      const again = await importPublicKey(exported)
      expect(again.kid).toBe(vector.kid)
      expect(again.toPEM()).toBe(vector.public_spki_pem)
    })

    it(`${name}: an imported key is returned as is`, async () => {
      const key = await importPublicKey(vector.public_spki_pem)
      expect(await importPublicKey(key)).toBe(key)
    })
  }

  for (const name of ['rsa', 'rsa3072'] as const) {
    it(`${name}: PKCS#1 "RSA PUBLIC KEY"`, async () => {
      const pkcs1 = pkcs1PublicPem(vectors.keys[name].public_spki_pem)
      expect(pkcs1).toContain('-----BEGIN RSA PUBLIC KEY-----')
      const key = await importPublicKey(pkcs1)
      expect(key.kid).toBe(vectors.keys[name].kid)
      expect(key.toPEM()).toBe(vectors.keys[name].public_spki_pem)
    })
  }

  it('a JWK with its own kid keeps it, and the fingerprint still identifies the key', async () => {
    const key = await importPublicKey({ ...vectors.keys.ed25519.public_jwk, kid: 'laptop-2026' })
    expect(key.kid).toBe('laptop-2026')
    expect(key.fingerprint).toBe(vectors.keys.ed25519.kid)
    expect(key.toJWK().kid).toBe('laptop-2026')
  })

  it('the algorithms come from the key', async () => {
    expect((await importPublicKey(vectors.keys.rsa.public_spki_pem)).algorithms).toEqual(['RS512', 'RS384', 'RS256'])
    expect((await importPublicKey(vectors.keys.ed25519.public_spki_pem)).algorithms).toEqual(['EdDSA', 'Ed25519'])
  })
})

describe('importPublicKey: refusals are AjwtError invalid_key with a clear message', () => {
  const rsa = vectors.keys.rsa
  const ed = vectors.keys.ed25519

  it('refuses every kind of private key: the server needs the public key only', async () => {
    const privateInputs: unknown[] = [
      rsa.private_pkcs8_pem,
      rsa.private_pkcs1_pem,
      rsa.private_pkcs8_pem_encrypted,
      ed.private_pkcs8_pem,
      ed.private_openssh,
      createPrivateJwk(ed.private_pkcs8_pem),
      JSON.stringify(createPrivateJwk(rsa.private_pkcs8_pem)),
    ]
    for (const input of privateInputs) {
      await expectAjwtError(() => importPublicKey(input as string), 'invalid_key', /private/)
    }
  })

  it('refuses EC, Ed448 and X25519 keys in every format', async () => {
    const inputs: unknown[] = []
    for (const type of ['ec', 'ed448', 'x25519'] as const) {
      const { publicKey } = type === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync(type as 'ed448')
      inputs.push(publicKey.export({ type: 'spki', format: 'pem' }), publicKey.export({ format: 'jwk' }))
    }
    inputs.push('ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBA== host')
    inputs.push(`ssh-dss ${Buffer.concat([sshString('ssh-dss'), sshString('x')]).toString('base64')} old`)
    for (const input of inputs) {
      await expectAjwtError(() => importPublicKey(input as string), 'invalid_key', /\(use (Ed25519 or RSA|ssh-ed25519 or ssh-rsa)\)/)
    }
  })

  it('refuses RSA keys under 2048 bits in every format', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const spki = publicKey.export({ type: 'spki', format: 'pem' }).toString()
    const jwk = publicKey.export({ format: 'jwk' })
    const n = Buffer.from(jwk.n!, 'base64url')
    const e = Buffer.from(jwk.e!, 'base64url')
    const ssh = `ssh-rsa ${Buffer.concat([sshString('ssh-rsa'), sshString(e), sshString(Buffer.concat([Buffer.from([0]), n]))]).toString('base64')} weak`
    for (const input of [spki, pkcs1PublicPem(spki), jwk, JSON.stringify(jwk), ssh]) {
      await expectAjwtError(() => importPublicKey(input as string), 'invalid_key', /1024 bits refused.*2048/)
    }
  })

  it('a file path or bytes instead of the key text: says to read the file', async () => {
    for (const path of ['./billing.pub', '/etc/keys/x.pem', 'billing.pub', '~/.ssh/id_ed25519.pub']) {
      await expectAjwtError(() => importPublicKey(path), 'invalid_key', /looks like a file path: read the file, e\.g\. readFileSync\(path, 'utf8'\)/)
    }
    for (const bytes of [Buffer.from(ed.public_spki_pem), new TextEncoder().encode(ed.public_openssh)]) {
      await expectAjwtError(() => importPublicKey(bytes as unknown as string), 'invalid_key', /not bytes/)
    }
  })

  it('refuses malformed input without any other exception', async () => {
    const spkiBody = ed.public_spki_pem.split('\n').slice(1, -2).join('')
    const malformed: unknown[] = [
      '',
      '   ',
      'hello',
      'ssh-ed25519',
      'ssh-ed25519 !!!notbase64!!! comment',
      `ssh-ed25519 ${Buffer.concat([sshString('ssh-rsa'), sshString('x')]).toString('base64')} type-mismatch`,
      `ssh-ed25519 ${Buffer.concat([sshString('ssh-ed25519'), sshString(Buffer.alloc(31))]).toString('base64')} short`,
      `ssh-ed25519 ${sshString('ssh-ed25519').toString('base64')}`,
      `ssh-rsa ${Buffer.concat([sshString('ssh-rsa'), Buffer.from([0, 0, 0, 9, 1])]).toString('base64')} truncated`,
      '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
      '-----BEGIN PUBLIC KEY-----\n%%%%\n-----END PUBLIC KEY-----\n',
      `-----BEGIN PUBLIC KEY-----\n${spkiBody.slice(0, 40)}\n-----END PUBLIC KEY-----\n`,
      `-----BEGIN PUBLIC KEY-----\n${spkiBody}\n`,
      '-----BEGIN RSA PUBLIC KEY-----\nMAA=\n-----END RSA PUBLIC KEY-----\n',
      '-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n',
      toPem('PUBLIC KEY', new Uint8Array([0x30, 0x84, 0xff, 0xff, 0xff, 0xff])),
      '{',
      '{"kty":"RSA"}',
      '{"kty":"OKP","crv":"Ed25519","x":"AAAA"}',
      '[]',
      { kty: 'RSA', n: '!!! not base64url !!!', e: 'AQAB' },
      { kty: 'RSA', n: 12345, e: 'AQAB' },
      { kty: 'OKP', crv: 'Ed25519', x: '***' },
      { kty: 'oct', k: 'c2VjcmV0' },
      {},
      [],
      null,
      undefined,
      42,
      true,
    ]
    for (const input of malformed) {
      await expectAjwtError(() => importPublicKey(input as string), 'invalid_key', /./)
    }
  })
})

function sshString(value: string | Uint8Array): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : Buffer.from(value)
  const length = Buffer.alloc(4)
  length.writeUInt32BE(bytes.length)
  return Buffer.concat([length, bytes])
}

function createPrivateJwk(pkcs8: string): Record<string, unknown> {
  return createPrivateKey(pkcs8).export({ format: 'jwk' }) as Record<string, unknown>
}
