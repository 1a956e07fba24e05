import { createHash, createPublicKey, generateKeyPairSync, randomBytes, verify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { expectAjwtError, vectors } from '../../test/helpers.ts'
import type { AjwtError } from '../errors/ajwt-error.ts'
import { concat, encodeTlv, rsaPublicKeyToSpki } from './der.ts'
import { importPrivateKey } from './import-private-key.ts'
import { importPublicKey } from './import-public-key.ts'
import { toPem } from './pem.ts'
import { MAX_RSA_BITS, MIN_RSA_BITS } from './public-key.ts'

// Degenerate keys are built by hand (as JWK, DER and SSH wire bytes): no library would make them.

const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url')

/** A big-endian unsigned integer of `bits` bits, odd, with its top bit set. */
function oddInteger(bits: number): Buffer {
  const bytes = randomBytes(Math.ceil(bits / 8))
  const top = (bits - 1) % 8
  bytes[0] = (bytes[0]! & ((1 << (top + 1)) - 1)) | (1 << top)
  bytes[bytes.length - 1]! |= 1
  return bytes
}

function uint(value: bigint): Buffer {
  const hex = value.toString(16)
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex')
}

const derInteger = (bytes: Uint8Array) => encodeTlv(0x02, bytes[0]! & 0x80 ? concat(new Uint8Array([0]), bytes) : bytes)

function sshString(value: string | Uint8Array): Buffer {
  const bytes = Buffer.from(value)
  const length = Buffer.alloc(4)
  length.writeUInt32BE(bytes.length)
  return Buffer.concat([length, bytes])
}

const sshMpint = (bytes: Uint8Array) => sshString(bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes)

/** One RSA public key in every input form importPublicKey takes. */
function rsaForms(n: Uint8Array, e: Uint8Array): Record<string, unknown> {
  const jwk = { kty: 'RSA', n: b64u(n), e: b64u(e) }
  const pkcs1 = encodeTlv(0x30, concat(derInteger(n), derInteger(e)))
  const blob = Buffer.concat([sshString('ssh-rsa'), sshMpint(e), sshMpint(n)])
  return {
    'JWK object': jwk,
    'JWK JSON': JSON.stringify(jwk),
    'SPKI PEM': toPem('PUBLIC KEY', rsaPublicKeyToSpki(pkcs1)),
    'PKCS#1 PEM': toPem('RSA PUBLIC KEY', pkcs1),
    'OpenSSH line': `ssh-rsa ${blob.toString('base64')} degenerate`,
  }
}

/** One Ed25519 public key (any 32 bytes, or not) in every input form importPublicKey takes. */
function ed25519Forms(x: Uint8Array): Record<string, unknown> {
  const jwk = { kty: 'OKP', crv: 'Ed25519', x: b64u(x) }
  const spkiPrefix = Buffer.from('300506032b6570', 'hex')
  const spki = encodeTlv(0x30, concat(spkiPrefix, encodeTlv(0x03, concat(new Uint8Array([0]), x))))
  const blob = Buffer.concat([sshString('ssh-ed25519'), sshString(x)])
  return {
    'JWK object': jwk,
    'JWK JSON': JSON.stringify(jwk),
    'SPKI PEM': toPem('PUBLIC KEY', spki),
    'OpenSSH line': `ssh-ed25519 ${blob.toString('base64')} degenerate`,
  }
}

/** Fails if `text` holds any 6-character slice of `secret`. */
function expectNoSlice(text: string, secret: string): void {
  for (let i = 0; i + 6 <= secret.length; i++) {
    expect(text.includes(secret.slice(i, i + 6)), `the message quotes "${secret.slice(i, i + 6)}": ${text}`).toBe(false)
  }
}

async function expectRefusedEverywhere(forms: Record<string, unknown>, message: RegExp, material: Uint8Array[]): Promise<void> {
  for (const [form, input] of Object.entries(forms)) {
    const error: AjwtError = await expectAjwtError(() => importPublicKey(input as string), 'invalid_key', message).catch(
      (failure: unknown) => {
        throw new Error(`${form}: ${String(failure)}`)
      },
    )
    for (const bytes of material) {
      expectNoSlice(error.message, b64u(bytes))
      expectNoSlice(error.message, Buffer.from(bytes).toString('base64'))
    }
  }
}

const realModulus = () => {
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' })
  return Buffer.from(jwk.n!, 'base64url')
}

describe('RSA public exponent: odd, from 65537 to 2^32 (FIPS 186-5)', () => {
  const n = realModulus()

  it('refuses e = 1 at import: with it a token is forged without any private key', async () => {
    const jwk = { kty: 'RSA', n: b64u(n), e: 'AQ' }
    // The forgery: with e = 1 the signature IS the padded digest, which anyone can compute.
    const data = Buffer.from('eyJhbGciOiJSUzI1NiJ9.eyJ1c2VybmFtZSI6Im1hbGxvcnkifQ')
    const digestInfo = Buffer.concat([Buffer.from('3031300d060960864801650304020105000420', 'hex'), createHash('sha256').update(data).digest()])
    const padded = Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(256 - 3 - digestInfo.length, 0xff), Buffer.from([0]), digestInfo])
    expect(verify('sha256', data, createPublicKey({ key: jwk, format: 'jwk' }), padded)).toBe(true)

    await expectAjwtError(() => importPublicKey(jwk), 'invalid_key', /public exponent 1; it must be odd and from 65537 to 2\^32/)
    await expectRefusedEverywhere(rsaForms(n, Buffer.from([1])), /public exponent 1;/, [n])
  })

  const refused: Array<[string, Buffer, RegExp]> = [
    ['2', uint(2n), /exponent 2;/],
    ['3', uint(3n), /exponent 3;/],
    ['17', uint(17n), /exponent 17;/],
    ['65535', uint(65535n), /exponent 65535;/],
    ['65536 (even)', uint(65536n), /exponent 65536;/],
    ['65538 (even)', uint(65538n), /exponent 65538;/],
    ['2^32 (even)', uint(2n ** 32n), /exponent 4294967296;/],
    ['2^32 + 1', uint(2n ** 32n + 1n), /exponent 4294967297;/],
    ['2^33 + 1', uint(2n ** 33n + 1n), /exponent of 34 bits;/],
    ['e = n', n, /exponent of 2048 bits;/],
    ['a 3071-bit exponent', oddInteger(3071), /exponent of 3071 bits;/],
  ]
  for (const [name, e, message] of refused) {
    it(`refuses e = ${name} in every format`, async () => {
      await expectRefusedEverywhere(rsaForms(n, e), message, [n, ...(e.length > 8 ? [e] : [])])
    })
  }

  it('refuses e = 0 and an empty exponent', async () => {
    await expectRefusedEverywhere(rsaForms(n, Buffer.from([0])), /exponent 0;/, [n])
    await expectAjwtError(() => importPublicKey({ kty: 'RSA', n: b64u(n), e: '' }), 'invalid_key', /exponent 0;/)
  })

  for (const e of [65537n, 65539n, 2n ** 31n + 1n, 2n ** 32n - 1n]) {
    it(`accepts e = ${e} in every format`, async () => {
      for (const [form, input] of Object.entries(rsaForms(n, uint(e)))) {
        const key = await importPublicKey(input as string)
        expect(key.bits, form).toBe(2048)
        expect(Buffer.from(key.toJWK().e!, 'base64url').equals(uint(e)), form).toBe(true)
      }
    })
  }

  it('accepts an exponent written with leading zero bytes', async () => {
    const key = await importPublicKey({ kty: 'RSA', n: b64u(n), e: b64u(Buffer.from([0, 0, 1, 0, 1])) })
    expect(key.bits).toBe(2048)
  })
})

describe(`RSA modulus: ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits`, () => {
  const e = uint(65537n)

  it('refuses a modulus over 8192 bits in every format (verification would be slow)', async () => {
    for (const bits of [8193, 8200, 16384]) {
      const n = oddInteger(bits)
      await expectRefusedEverywhere(rsaForms(n, e), new RegExp(`RSA key of ${bits} bits refused: at most 8192 bits`), [n])
    }
  })

  it('refuses a modulus under 2048 bits in every format', async () => {
    const n = oddInteger(2047)
    await expectRefusedEverywhere(rsaForms(n, e), /RSA key of 2047 bits refused: at least 2048 bits/, [n])
  })

  it('accepts exactly 2048 and 8192 bits', async () => {
    for (const bits of [2048, 8192]) {
      for (const [form, input] of Object.entries(rsaForms(oddInteger(bits), e))) {
        expect((await importPublicKey(input as string)).bits, form).toBe(bits)
      }
    }
  })

  it('refuses an even modulus', async () => {
    const n = oddInteger(2048)
    n[n.length - 1]! &= 0xfe
    await expectRefusedEverywhere(rsaForms(n, e), /modulus is even/, [n])
  })
})

describe('Ed25519: no points of small order', () => {
  const P = 2n ** 255n - 19n
  const Y8 = 2707385501144840649318225287225658788936804267575313519463743609750303402022n
  const encode = (y: bigint, sign: number): Buffer => {
    const bytes = Buffer.alloc(32)
    for (let i = 0, rest = y; i < 32; i++, rest >>= 8n) bytes[i] = Number(rest & 0xffn)
    bytes[31]! |= sign << 7
    return bytes
  }

  // The 8 small-order points (y = 1, -1, 0, ±Y8; x of either sign) and the non-canonical
  // encodings of y = 0 and y = 1 (as p and p + 1): libsodium's blacklist, with both sign bits.
  const smallOrder: Array<[string, Buffer]> = []
  for (const [name, y] of [
    ['identity (y = 1)', 1n],
    ['order 2 (y = -1)', P - 1n],
    ['order 4 (y = 0)', 0n],
    ['order 8 (y = Y8)', Y8],
    ['order 8 (y = -Y8)', P - Y8],
    ['identity, non-canonical (y = p + 1)', P + 1n],
    ['order 4, non-canonical (y = p)', P],
  ] as const) {
    for (const sign of [0, 1]) smallOrder.push([`${name}, sign ${sign}`, encode(y, sign)])
  }

  it('the list holds libsodium’s encodings', () => {
    const hex = smallOrder.map(([, x]) => x.toString('hex'))
    expect(hex).toContain('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05')
    expect(hex).toContain('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a')
    expect(hex).toContain('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f')
    expect(hex).toContain('0100000000000000000000000000000000000000000000000000000000000000')
    expect(new Set(hex).size).toBe(14)
  })

  for (const [name, x] of smallOrder) {
    it(`refuses ${name} in every format`, async () => {
      await expectRefusedEverywhere(ed25519Forms(x), /Ed25519 public key refused: it is a point of small order/, [x])
    })
  }

  it('refuses other non-canonical encodings (y ≥ p)', async () => {
    for (const y of [P + 2n, P + 18n]) {
      const x = encode(y, 0)
      await expectRefusedEverywhere(ed25519Forms(x), /not canonical/, [x])
    }
  })

  it('refuses a point that is not 32 bytes', async () => {
    for (const length of [0, 31, 33, 64]) {
      const x = randomBytes(length)
      await expectRefusedEverywhere(ed25519Forms(x), /32 bytes/, length > 8 ? [x] : [])
    }
  })

  it('accepts real keys', async () => {
    for (let i = 0; i < 8; i++) {
      const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' })
      for (const [form, input] of Object.entries(ed25519Forms(Buffer.from(jwk.x!, 'base64url')))) {
        expect((await importPublicKey(input as string)).type, form).toBe('ed25519')
      }
    }
  })
})

describe('private keys: the public half passes the same checks', () => {
  it('refuses an RSA private key with e = 3 in PKCS#8, PKCS#1 and JWK', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 })
    const jwk = privateKey.export({ format: 'jwk' })
    const inputs = [
      privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      jwk,
      JSON.stringify(jwk),
    ]
    for (const input of inputs) {
      const error = await expectAjwtError(() => importPrivateKey(input as string), 'invalid_key', /public exponent 3;/)
      for (const member of [jwk.d!, jwk.p!, jwk.q!, jwk.n!]) expectNoSlice(error.message, member)
    }
  })

  it('refuses a private JWK whose modulus is over 8192 bits, before any import', async () => {
    const n = oddInteger(9000)
    const jwk = { kty: 'RSA', n: b64u(n), e: 'AQAB', d: b64u(oddInteger(8999)), p: b64u(oddInteger(4500)), q: b64u(oddInteger(4500)) }
    const error = await expectAjwtError(() => importPrivateKey(jwk), 'invalid_key', /9000 bits refused: at most 8192/)
    for (const member of [jwk.n, jwk.d, jwk.p]) expectNoSlice(error.message, member)
  })

  it('refuses a private Ed25519 JWK whose public half is of small order', async () => {
    const x = Buffer.alloc(32)
    x[0] = 1
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: b64u(x), d: b64u(randomBytes(32)) }
    await expectAjwtError(() => importPrivateKey(jwk), 'invalid_key', /small order/)
  })
})

describe('error messages never quote key material', () => {
  const secret = 'SECRETSECRETSECRETSECRET'
  const x = vectors.keys.ed25519.public_jwk.x

  const privateInputs = [
    `{"kty":"OKP","crv":"Ed25519","d":"${secret}","x":`,
    `{"kty":"OKP","crv":"Ed25519","d":${secret},"x":"${x}"}`,
    `{"kty":"OKP","crv":"Ed25519","d":"${secret}","x":"${x}"}`,
    `{"kty":"OKP","crv":"Ed25519","d":"${secret}!!","x":"${x}"}`,
    `{"kty":"RSA","n":"${secret}","e":"AQAB","d":"${secret}"}`,
    { kty: 'OKP', crv: 'Ed25519', d: secret, x },
    { kty: 'OKP', crv: 'Ed25519', d: `${secret}%%`, x },
    { kty: secret, crv: secret, d: secret },
    `-----BEGIN PRIVATE KEY-----\n${secret}\n-----END PRIVATE KEY-----\n`,
    `-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI${secret}\n-----END PRIVATE KEY-----\n`,
    `-----BEGIN OPENSSH PRIVATE KEY-----\n${Buffer.from(`openssh-key-v1\0${secret}`).toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`,
  ]

  it('importPrivateKey: malformed JSON, bad members, damaged PEM', async () => {
    for (const input of privateInputs) {
      const error = await expectAjwtError(() => importPrivateKey(input as string), 'invalid_key')
      expectNoSlice(error.message, secret)
    }
  })

  it('importPublicKey: malformed JSON, bad members, damaged PEM and OpenSSH blobs', async () => {
    const blob = Buffer.concat([sshString(`ssh-${secret}`), sshString('x')]).toString('base64')
    const publicInputs = [
      `{"kty":"OKP","crv":"Ed25519","x":${secret}}`,
      `{"kty":"OKP","crv":"Ed25519","x":"${secret}"`,
      { kty: 'OKP', crv: 'Ed25519', x: `${secret}%` },
      { kty: 'RSA', n: `${secret}!`, e: 'AQAB' },
      { kty: secret, crv: secret },
      `-----BEGIN PUBLIC KEY-----\n${secret}\n-----END PUBLIC KEY-----\n`,
      `ssh-ed25519 ${blob} comment`,
    ]
    for (const input of publicInputs) {
      const error = await expectAjwtError(() => importPublicKey(input as string), 'invalid_key')
      expectNoSlice(error.message, secret)
    }
  })
})
