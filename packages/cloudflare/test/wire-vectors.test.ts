import { importPublicKey } from '@ajwt/core'
import { backendName, describeWireVectors } from '@ajwt/testing'
import { describe, expect, it } from 'vitest'
import vectors from '../../core/test/fixtures/wire-vectors.json' with { type: 'json' }

describe('@ajwt/core in workerd', () => {
  it('resolves the WebCrypto backend, not node:crypto', async () => {
    expect(backendName).toBe('webcrypto')
    // And behaves like it: WebCrypto answers a signature check with a promise, node:crypto at once.
    const key = await importPublicKey(vectors.keys.ed25519.public_spki_pem)
    const answer = key.verifySignature('EdDSA', new Uint8Array(1), new Uint8Array(64))
    expect(answer).toBeInstanceOf(Promise)
    expect(await answer).toBe(false)
  })
})

// Every vector of the Python reference, on the WebCrypto backend that workerd resolves.
describeWireVectors('@ajwt/core in workerd')
