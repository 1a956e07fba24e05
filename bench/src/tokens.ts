// The token pool: distinct pre-signed tokens, so that every request of a run carries a fresh nonce
// and no signing happens while measuring. Cached in bench/.cache while still valid.
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { importPublicKey } from '@ajwt/core'
import { USERNAME, type Alg } from './types.ts'

export interface PoolMeta {
  alg: Alg
  kid: string
  /** `time` of every token (unix seconds); `exp` is `t0 + toleranceSeconds`. */
  t0: number
  toleranceSeconds: number
  size: number
  publicKeyPem: string
  /** Tokens outside the pool, for the correctness probes. */
  probes: { valid: string[]; forged: string; otherKey: string }
}

export interface Pool {
  meta: PoolMeta
  /** One token per line (no scheme word). */
  file: string
}

const HASH: Record<Alg, string | null> = { EdDSA: null, RS256: 'sha256', RS512: 'sha512' }

function keyPairFor(cacheDir: string, alg: Alg): { privateKeyPem: string; publicKeyPem: string } {
  const type = alg === 'EdDSA' ? 'ed25519' : 'rsa'
  const file = join(cacheDir, `key-${type}.json`)
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { privateKeyPem: string; publicKeyPem: string }
  const pair =
    type === 'ed25519'
      ? generateKeyPairSync('ed25519', { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } })
      : generateKeyPairSync('rsa', {
          modulusLength: 2048,
          privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
          publicKeyEncoding: { type: 'spki', format: 'pem' },
        })
  const pems = { privateKeyPem: pair.privateKey, publicKeyPem: pair.publicKey }
  writeFileSync(file, JSON.stringify(pems))
  return pems
}

/**
 * Signs a token the way `createSigner` does (header `{alg, typ, kid}`, claims `{username, time, nonce}`),
 * plus `exp` so that the peers, which check only signature and expiry, check an expiry too.
 */
export function signToken(alg: Alg, key: KeyObject, kid: string, time: number, nonce: string, exp: number, username = USERNAME): string {
  const header = Buffer.from(JSON.stringify({ alg, typ: 'JWT', kid })).toString('base64url')
  const claims = Buffer.from(JSON.stringify({ username, time, nonce, exp })).toString('base64url')
  const data = `${header}.${claims}`
  return `${data}.${sign(HASH[alg], Buffer.from(data, 'latin1'), key).toString('base64url')}`
}

/**
 * Returns a pool of at least `size` distinct tokens for `alg`, all with `time = t0` close to now,
 * reusing the cached one when it is big enough and still valid for `reserveSeconds` more.
 */
export async function tokenPool(
  cacheDir: string,
  alg: Alg,
  size: number,
  toleranceSeconds: number,
  reserveSeconds: number,
  log: (line: string) => void = () => undefined,
): Promise<Pool> {
  mkdirSync(cacheDir, { recursive: true })
  const { privateKeyPem, publicKeyPem } = keyPairFor(cacheDir, alg)
  const metaFile = join(cacheDir, `pool-${alg}.json`)
  const file = join(cacheDir, `pool-${alg}.txt`)
  const now = Math.floor(Date.now() / 1000)
  if (existsSync(metaFile) && existsSync(file)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as PoolMeta
    if (
      meta.size >= size &&
      meta.toleranceSeconds === toleranceSeconds &&
      meta.publicKeyPem === publicKeyPem &&
      meta.t0 <= now &&
      now + reserveSeconds < meta.t0 + toleranceSeconds
    ) {
      return { meta, file }
    }
  }
  const key = createPrivateKey(privateKeyPem)
  const kid = (await importPublicKey(publicKeyPem)).kid
  const exp = now + toleranceSeconds
  const started = performance.now()
  const random = randomBytes(16 * (size + 3))
  const nonce = (i: number): string => random.subarray(16 * i, 16 * i + 16).toString('base64url')
  const lines: string[] = new Array<string>(size)
  for (let i = 0; i < size; i++) lines[i] = signToken(alg, key, kid, now, nonce(i), exp)
  const valid = [signToken(alg, key, kid, now, nonce(size), exp), signToken(alg, key, kid, now, nonce(size + 1), exp)]
  const [head, , signature] = valid[1]!.split('.')
  const forgedClaims = Buffer.from(JSON.stringify({ username: USERNAME, time: now, nonce: nonce(size + 2), exp })).toString('base64url')
  const otherType = alg === 'EdDSA' ? 'ed25519' : 'rsa'
  const other = generateKeyPairSync(otherType as 'rsa', { modulusLength: 2048 }).privateKey
  const probes = {
    valid,
    // A valid signature moved onto other claims.
    forged: `${head}.${forgedClaims}.${signature}`,
    // Signed by a key the server does not know, under the known kid.
    otherKey: signToken(alg, other, kid, now, nonce(size + 2), exp),
  }
  writeFileSync(file, lines.join('\n'))
  const meta: PoolMeta = { alg, kid, t0: now, toleranceSeconds, size, publicKeyPem, probes }
  writeFileSync(metaFile, JSON.stringify(meta))
  log(`signed ${size} ${alg} tokens in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  return { meta, file }
}
