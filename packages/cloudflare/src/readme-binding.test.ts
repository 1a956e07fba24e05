import { createSigner } from '@ajwt/core'
import { changing, expectCreated, expectUnboundRefused, itMirrorsTheReadme, itRefusesTheChangedInvoice, warnedCodes } from '@ajwt/test-utils/readme'
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import vectors from '../../core/test/fixtures/wire-vectors.json' with { type: 'json' }
import readme from '../README.md?raw'
import worker from '../test/readme-worker.ts'
import workerSource from '../test/readme-worker.ts?raw'
import testSource from './readme-binding.test.ts?raw'

// README.md's "Request binding" Worker (test/readme-worker.ts, checked line by line against the
// README), driven inside workerd through its own fetch(request, env, ctx). env.AJWT_KEYS trusts
// core's wire-vector Ed25519 key (vitest.config.ts).

const privateKey = vectors.keys.ed25519.private_pkcs8_pem

/** The Worker as the runtime calls it: https://api.example.com is this Worker. */
async function toWorker(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext()
  const response = await worker.fetch(new Request(input, init), env, ctx)
  await waitOnExecutionContext(ctx)
  return response
}

describe('README: Request binding (Workers, in workerd)', () => {
  itMirrorsTheReadme(readme, `${workerSource}\n${testSource}`, 'mirrors the README: every line of its snippets is in test/readme-worker.ts or this test')

  /** The codes onRejected logged through console.warn. */
  const warned = warnedCodes()

  /** The README's client: signer.fetch reaches this Worker as https://api.example.com. */
  const signer = createSigner({ username: 'vector-ed25519', privateKey, fetch: toWorker })

  it('accepts a request bound by signer.fetch, its body read by request.json()', async () => {
    const res = await signer.fetch('https://api.example.com/invoices', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ total: 7 }),
    })
    await expectCreated(res, warned, 'vector-ed25519')
  })

  itRefusesTheChangedInvoice({
    post: (change, init) => createSigner({ username: 'vector-ed25519', privateKey, fetch: changing(toWorker, change) }).fetch('https://api.example.com/invoices', init),
    rejected: warned,
  })

  it('refuses an unbound token (binding required)', async () => {
    await expectUnboundRefused(createSigner({ username: 'vector-ed25519', privateKey }), toWorker, 'https://api.example.com/invoices')
    expect(warned).toEqual(['binding_required'])
  })
})
