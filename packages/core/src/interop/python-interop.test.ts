// LIVE interop with a Python peer that signs and verifies exactly as the reference
// `asymmetric_jwt_auth` does (test/python-peer.py: PyJWT + cryptography, Debian's python3-jwt and
// python3-cryptography). The wire vectors pin tokens the reference made once; this pins what
// PyJWT does today, both ways, with keys made by core on every run.
//
// Nothing is skipped: without /usr/bin/python3 and its PyJWT, every test here fails and says so
// (scripts/services.sh installs them; `./run test` runs it first).
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { importPKCS8, SignJWT } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { generateKeyPair, type GeneratedKeyPair } from '../keys/generate-key-pair.ts'
import { importPublicKey } from '../keys/import-public-key.ts'
import { createSigner } from '../signer/create-signer.ts'
import { MemoryKeyStore } from '../stores/memory-key-store.ts'
import { MemoryNonceStore } from '../stores/memory-nonce-store.ts'
import { createVerifier } from '../verifier/create-verifier.ts'

/** Debian's interpreter, the one that sees python3-jwt (a pyenv or venv python3 on PATH does not). */
const PYTHON = '/usr/bin/python3'
const PEER = fileURLToPath(new URL('../../test/python-peer.py', import.meta.url))
const TOLERANCE = 20

interface SignRequest {
  op: 'sign'
  private_key: string
  username: string
  /** Absent: the fingerprint (the reference's kid); null: no kid; a string: that kid. */
  kid?: string | null
  algorithm?: string
  time?: number
  claims?: Record<string, unknown>
}
interface VerifyRequest {
  op: 'verify'
  token: string
  username: string
  keys: string[]
  tolerance?: number
  now?: number
}
interface Signed {
  ok: true
  token: string
  header: Record<string, unknown>
  claims: { username: string; time: number; nonce: string } & Record<string, unknown>
  fingerprint: string
}
type Verdict =
  | { ok: true; username: string; claims: Record<string, unknown> }
  | { ok: false; error: string; errors: string[] }

/** Why the peer cannot run here, or undefined when it can. Checked once, synchronously. */
const peerProblem = ((): string | undefined => {
  const run = spawnSync(PYTHON, [PEER, 'versions'], { encoding: 'utf8', timeout: 30_000 })
  if (run.error || run.status !== 0) {
    const why = run.error ? run.error.message : (run.stderr.trim().split('\n').at(-1) ?? `exit ${run.status}`)
    return `The Python interop peer cannot run: ${PYTHON} ${PEER} failed (${why}). ` +
      'It needs /usr/bin/python3 with PyJWT and cryptography: run `bash scripts/services.sh` as root ' +
      '(apt-get install -y python3-jwt python3-cryptography); `./run test` does it first.'
  }
  const versions = JSON.parse(run.stdout) as { pyjwt: string }
  if (!versions.pyjwt.startsWith('2.')) return `The Python interop peer needs PyJWT 2, found ${versions.pyjwt}`
  return undefined
})()

function requirePeer(): void {
  if (peerProblem) throw new Error(peerProblem)
}

/** One Python process for a whole group of requests: JSON in on stdin, JSON out on stdout. */
function peer(requests: SignRequest[]): Promise<Signed[]>
function peer(requests: VerifyRequest[]): Promise<Verdict[]>
function peer(requests: (SignRequest | VerifyRequest)[]): Promise<unknown[]> {
  requirePeer()
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [PEER, 'batch'], { stdio: ['pipe', 'pipe', 'pipe'], timeout: 30_000 })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (code !== 0) reject(new Error(`python peer failed (${signal ?? `exit ${code}`}):\n${stderr}`))
      else resolve(JSON.parse(stdout) as unknown[])
    })
    child.stdin.end(JSON.stringify(requests))
  })
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000)
const sha256url = (text: string): string => createHash('sha256').update(text).digest('base64url')
const algorithmOf = (type: 'ed25519' | 'rsa'): string => (type === 'rsa' ? 'RS512' : 'EdDSA')

/** Signs any claims with jose, with the header the ajwt signer sends. */
async function joseToken(pair: GeneratedKeyPair, type: 'ed25519' | 'rsa', claims: Record<string, unknown>): Promise<string> {
  const alg = algorithmOf(type)
  const { kid } = await importPublicKey(pair.publicKey)
  return new SignJWT(claims)
    .setProtectedHeader({ alg, typ: 'JWT', kid })
    .sign(await importPKCS8(pair.privateKey, alg))
}

it('has a Python peer: /usr/bin/python3 with PyJWT 2 and cryptography', () => {
  expect(peerProblem, peerProblem).toBeUndefined()
})

describe.each(['ed25519', 'rsa'] as const)('%s keys', (type) => {
  let pair: GeneratedKeyPair
  let other: GeneratedKeyPair
  let kid: string

  beforeAll(async () => {
    requirePeer()
    ;[pair, other] = await Promise.all([generateKeyPair(type), generateKeyPair(type)])
    kid = (await importPublicKey(pair.publicKey)).kid
  })

  describe('Python-signed tokens, verified by createVerifier', () => {
    const kids = { fingerprint: undefined, none: null, foreign: 'laptop-key' } as const
    const signed = {} as Record<keyof typeof kids, Signed>

    beforeAll(async () => {
      const time = nowSeconds()
      const names = Object.keys(kids) as (keyof typeof kids)[]
      const results = await peer(names.map((name): SignRequest => ({
        op: 'sign',
        private_key: pair.privateKey,
        username: 'guido',
        time,
        ...(kids[name] === undefined ? {} : { kid: kids[name] }),
      })))
      names.forEach((name, i) => (signed[name] = results[i]!))
    })

    it('are signed as the reference signs: its algorithm, typ JWT, core\'s kid, a 64-bit nonce', () => {
      const { header, claims, fingerprint } = signed.fingerprint
      expect(fingerprint).toBe(kid)
      expect(header).toEqual({ alg: algorithmOf(type), typ: 'JWT', kid })
      expect(signed.none.header).toEqual({ alg: algorithmOf(type), typ: 'JWT' })
      expect(signed.foreign.header.kid).toBe('laptop-key')
      expect(Object.keys(claims).sort()).toEqual(['nonce', 'time', 'username'])
      expect(claims.nonce).toMatch(/^[\w-]{11}$/) // secrets.token_urlsafe(8)
    })

    it.each(Object.keys(kids) as (keyof typeof kids)[])('kid %s: accepted once, then refused as a replay', async (name) => {
      // The user's other key comes first: a token without our kid must fall back past it.
      const verifier = createVerifier({
        keys: new MemoryKeyStore({ guido: [other.publicKey, pair.publicKey] }),
        nonces: new MemoryNonceStore(),
        toleranceSeconds: TOLERANCE,
      })
      const { token, claims } = signed[name]
      const first = await verifier.verify(`JWT ${token}`)
      expect(first.ok ? first.auth : { refused: first.error.code, detail: first.error.detail }).toMatchObject({
        username: 'guido',
        kid,
        time: claims.time,
        nonce: claims.nonce,
      })
      const replay = await verifier.verify(`JWT ${token}`)
      expect(replay.ok ? 'accepted' : replay.error.code).toBe('replay')
    })
 
    it('unbound, as the reference signs: accepted under binding if-present, refused under required', async () => {
      const request = { method: 'POST', url: 'https://api.example.com/v1/invoices', hasBody: true }
      const verdict = async (binding: 'if-present' | 'required') => {
        const verifier = createVerifier({
          keys: new MemoryKeyStore({ guido: [pair.publicKey] }),
          nonces: new MemoryNonceStore(),
          toleranceSeconds: TOLERANCE,
          binding,
          origins: ['https://api.example.com'],
        })
        const result = await verifier.verify(`JWT ${signed.fingerprint.token}`, request)
        return result.ok ? 'ok' : result.error.code
      }
      expect(await verdict('if-present')).toBe('ok')
      expect(await verdict('required')).toBe('binding_required')
    })
  })

  describe('core\'s tokens, verified by the Python peer', () => {
    const cases = ['signer', 'tampered', 'other key', 'stale', 'bound', 'aud', 'iat in the future'] as const
    const verdicts = {} as Record<(typeof cases)[number], Verdict>

    beforeAll(async () => {
      const now = nowSeconds()
      const fresh = await createSigner({ username: 'guido', privateKey: pair.privateKey }).token()
      const [head, body, signature] = fresh.split('.')
      const changed = { ...JSON.parse(Buffer.from(body!, 'base64url').toString()), nonce: 'changed' }
      const base = { username: 'guido', time: now }
      const nonce = () => crypto.randomUUID()
      const tokens: Record<(typeof cases)[number], string> = {
        signer: fresh,
        tampered: `${head}.${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${signature}`,
        'other key': await createSigner({ username: 'guido', privateKey: other.privateKey }).token(),
        stale: await createSigner({ username: 'guido', privateKey: pair.privateKey, now: () => now - 60 }).token(),
        bound: await joseToken(pair, type, {
          ...base,
          nonce: nonce(),
          htm: 'POST',
          htu: 'https://api.example.com/v1/x',
          htq: sha256url('a=1&b=2'),
          htb: sha256url('{"amount":42}'),
        }),
        aud: await joseToken(pair, type, { ...base, nonce: nonce(), aud: 'https://api.example.com' }),
        'iat in the future': await joseToken(pair, type, { ...base, nonce: nonce(), iat: now + 3600 }),
      }
      const results = await peer(cases.map((name): VerifyRequest => ({
        op: 'verify',
        token: tokens[name],
        username: 'guido',
        keys: [pair.publicKey],
        tolerance: TOLERANCE,
        now,
      })))
      cases.forEach((name, i) => (verdicts[name] = results[i]!))
    })

    it('accepts a token of createSigner().token()', () => {
      expect(verdicts.signer).toMatchObject({ ok: true, username: 'guido' })
    })

    it('refuses it with its claims changed, or signed by another key', () => {
      expect(verdicts.tampered).toMatchObject({ ok: false, error: expect.stringMatching(/^InvalidSignatureError/) })
      expect(verdicts['other key']).toMatchObject({ ok: false, error: expect.stringMatching(/^InvalidSignatureError/) })
    })

    it('refuses a token outside its ±20 s (the peer checks time as the reference does)', () => {
      expect(verdicts.stale).toMatchObject({ ok: false, error: expect.stringMatching(/^time:/) })
    })

    it('accepts a request-bound token: PyJWT ignores htm, htu, htq and htb (DESIGN §6)', () => {
      expect(verdicts.bound).toMatchObject({
        ok: true,
        username: 'guido',
        claims: { htm: 'POST', htu: 'https://api.example.com/v1/x', htq: sha256url('a=1&b=2'), htb: sha256url('{"amount":42}') },
      })
    })

    it('refuses a token with `aud` (it names no audience) or a future `iat`: why ajwt adds neither', () => {
      expect(verdicts.aud).toMatchObject({ ok: false, error: expect.stringMatching(/^InvalidAudienceError/) })
      expect(verdicts['iat in the future']).toMatchObject({ ok: false, error: expect.stringMatching(/^ImmatureSignatureError/) })
    })
  })
})
