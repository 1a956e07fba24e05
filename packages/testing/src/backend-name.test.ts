import { generateKeyPair, importPublicKey } from '@ajwt/core'
import { backendName as fromCore } from '@ajwt/core/backend-name'
import { describe, expect, it } from 'vitest'
import { backendName } from './backend-name.ts'

// The vitest projects (vitest.config.ts) run the built @ajwt/core once as Node resolves it
// (node:crypto) and once with its `#backend` import pointed at the WebCrypto backend.
describe('backendName', () => {
  it('names the backend that checks signatures: node:crypto answers at once, WebCrypto with a promise', async ({ task }) => {
    expect(backendName).toBe(task.file.projectName === 'node-crypto' ? 'node:crypto' : 'webcrypto')
    expect(backendName).toBe(fromCore)
    const key = await importPublicKey((await generateKeyPair('ed25519')).publicKey)
    const answer = key.verifySignature('EdDSA', new Uint8Array(1), new Uint8Array(64))
    expect(answer instanceof Promise).toBe(backendName === 'webcrypto')
    expect(await answer).toBe(false)
  })
})
