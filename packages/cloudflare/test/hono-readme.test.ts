import { createSigner } from '@ajwt/core'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import vectors from '../../core/test/fixtures/wire-vectors.json' with { type: 'json' }
import readme from '../../hono/README.md?raw'
import app, { fromContextEnv } from './hono-readme-worker.ts'
import source from './hono-readme-worker.ts?raw'

// @ajwt/hono's README shows a Hono app on Workers with the Durable Object nonce store: its
// snippets are in test/hono-readme-worker.ts (type-checked with the generated Env), run here.

/** The lines (imports aside) of the ts snippets of the hono README's "Choosing a nonce store" section. */
function snippetLines(): string[] {
  const start = readme.indexOf('\n## Choosing a nonce store')
  const end = readme.indexOf('\n## ', start + 1)
  const section = readme.slice(start, end === -1 ? undefined : end)
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)]
    .flatMap((match) => (match[1] ?? '').split('\n'))
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('import '))
}

const signer = createSigner({ username: 'billing', privateKey: vectors.keys.ed25519.private_pkcs8_pem })

describe("@ajwt/hono's README on Workers", () => {
  it('mirrors the README: every line of its Workers snippets is in test/hono-readme-worker.ts', () => {
    const lines = snippetLines()
    expect(lines).toContain("app.use('/api/*', ajwt({ keys, nonces: new DurableObjectNonceStore(env.AJWT_NONCES) }))")
    const have = new Set(source.split('\n').map((line) => line.trim()))
    expect(lines.filter((line) => !have.has(line))).toEqual([])
  })

  for (const [name, worker] of [
    ['built at module scope from the env of cloudflare:workers', app],
    ['built from c.env on the first request', fromContextEnv()],
  ] as const) {
    it(`${name}: accepts a signed request once, then refuses its replay`, async () => {
      const authorization = await signer.authorization()
      const call = () => worker.fetch(new Request('https://api.example.com/api/invoices', { headers: { authorization } }), env)
      const first = await call()
      expect(first.status).toBe(200)
      expect(await first.json()).toEqual({ user: 'billing' })
      const replay = await call()
      expect(replay.status).toBe(401)
      expect(await replay.json()).toEqual({ error: 'invalid_token', message: 'Invalid JWT credentials' })
    })
  }
})
