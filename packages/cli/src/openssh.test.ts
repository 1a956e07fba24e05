import { readFile } from 'node:fs/promises'
import { importPublicKey } from '@ajwt/core'
import { describe, expect, it } from 'vitest'
import { toOpenSshPublicKey } from './openssh.ts'

interface Vectors {
  keys: Record<string, { public_spki_pem: string; public_openssh: string; kid: string }>
}
const vectors = JSON.parse(
  await readFile(new URL('../test/fixtures/reference-vectors.json', import.meta.url), 'utf8'),
) as Vectors

describe('toOpenSshPublicKey', () => {
  it.each(Object.entries(vectors.keys))('gives the reference OpenSSH line of the %s key', async (_name, key) => {
    const [type, blob] = key.public_openssh.split(' ')
    const imported = await importPublicKey(key.public_spki_pem)
    expect(toOpenSshPublicKey(imported)).toBe(`${type} ${blob}`)
    expect(toOpenSshPublicKey(imported.toJWK(), 'a  b\nc')).toBe(`${type} ${blob} a b c`)
    expect((await importPublicKey(toOpenSshPublicKey(imported, 'x'))).kid).toBe(key.kid)
  })

  it('refuses keys that have no ssh-ed25519 or ssh-rsa form', () => {
    expect(() => toOpenSshPublicKey({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' })).toThrow(/no OpenSSH form/)
  })
})
