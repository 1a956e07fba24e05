import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
// Not @ajwt/test-utils/readme: @ajwt/test-utils depends on @ajwt/core, and a dependency back would be a cycle.
import { itMirrorsTheReadme } from '../../../tools/test-utils/src/readme.ts'
import { createSigner, createVerifier, generateKeyPair, MemoryKeyStore, MemoryNonceStore } from './index.ts'

// README.md's "Ed25519 on the threadpool" snippet, run as written.

const { publicKey, privateKey } = await generateKeyPair('ed25519')
const keys = new MemoryKeyStore({ billing: [publicKey] })

// A server with an idle core beyond its event loop's; start it with UV_THREADPOOL_SIZE=2.
const offLoop = createVerifier({ keys, nonces: new MemoryNonceStore(), signatureOnThreadpool: true })

describe('README: Ed25519 on the threadpool', () => {
  itMirrorsTheReadme(
    readFileSync(new URL('../README.md', import.meta.url), 'utf8'),
    readFileSync(new URL(import.meta.url), 'utf8'),
    'mirrors the README: every line of its snippet is in this test',
    'Ed25519 on the threadpool',
  )

  it('accepts a token once and refuses a tampered one', async () => {
    const signer = createSigner({ username: 'billing', privateKey })
    const authorization = await signer.authorization()
    expect(await offLoop.verify(authorization)).toMatchObject({ ok: true, auth: { username: 'billing' } })
    expect(await offLoop.verify(authorization)).toMatchObject({ ok: false, error: { code: 'replay' } })
    const tampered = `${authorization.slice(0, -6)}${authorization.slice(-6, -5) === 'A' ? 'B' : 'A'}${authorization.slice(-5)}`
    expect(await offLoop.verify(tampered)).toMatchObject({ ok: false })
  })
})
