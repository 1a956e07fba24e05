import { describe, expect, it } from 'vitest'
import vectors from '../../test/fixtures/wire-vectors.json' with { type: 'json' }
import { importPublicKey } from '../keys/import-public-key.ts'
import { backendName } from './backend-name.ts'

describe('backendName', () => {
  it('names the backend that checks signatures: node:crypto answers at once, WebCrypto with a promise', async ({ task }) => {
    expect(backendName).toBe(task.file.projectName === 'node-crypto' ? 'node:crypto' : 'webcrypto')
    const key = await importPublicKey(vectors.keys.ed25519.public_spki_pem)
    const answer = key.verifySignature('EdDSA', new Uint8Array(1), new Uint8Array(64))
    expect(answer instanceof Promise).toBe(backendName === 'webcrypto')
    expect(await answer).toBe(false)
  })
})
