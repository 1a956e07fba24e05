import { createSigner } from '@ajwt/core'
import { itMirrorsTheReadme } from '@ajwt/test-utils/readme'
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import vectors from '../../core/test/fixtures/wire-vectors.json' with { type: 'json' }
import readme from '../README.md?raw'
import worker from '../test/readme-hooks-worker.ts'
import workerSource from '../test/readme-hooks-worker.ts?raw'

// README.md's "Logging, and the token elsewhere" Worker (test/readme-hooks-worker.ts), driven inside
// workerd through its own fetch(request, env, ctx). env.AJWT_KEYS trusts core's wire-vector Ed25519 key.

const signer = createSigner({ username: 'vector-ed25519', privateKey: vectors.keys.ed25519.private_pkcs8_pem })

async function call(path: string, headers: Record<string, string>): Promise<Response> {
  const ctx = createExecutionContext()
  const response = await worker.fetch(new Request(`https://api.example.com${path}`, { headers }), env, ctx)
  await waitOnExecutionContext(ctx)
  return response
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('README: Logging, and the token elsewhere (Workers, in workerd)', () => {
  itMirrorsTheReadme(readme, workerSource, 'mirrors the README: every line of its snippet is in test/readme-hooks-worker.ts', 'Logging, and the token elsewhere')

  it('reads the token from x-ajwt-token, and onRejected gets the Request', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const token = await signer.token()
    const ok = await call('/hello', { 'x-ajwt-token': token })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ hello: 'vector-ed25519' })
    expect((await call('/again', { 'x-ajwt-token': token })).status).toBe(401)
    expect((await call('/header', { authorization: await signer.authorization() })).status).toBe(401)
    expect(warn.mock.calls).toEqual([
      ['ajwt rejected', 'replay', '/again'],
      ['ajwt rejected', 'missing_token', '/header'],
    ])
  })
})
