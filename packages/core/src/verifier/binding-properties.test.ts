import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { NOW, RecordingNonceStore } from '../../test/helpers.ts'
import { checkBody } from '../binding/check-body.ts'
import type { BindingPolicy } from '../binding/types.ts'
import { generateKeyPair } from '../keys/generate-key-pair.ts'
import { createSigner } from '../signer/create-signer.ts'
import { MemoryKeyStore } from '../stores/memory-key-store.ts'
import { createVerifier } from './create-verifier.ts'

// The nonce store accepts every claim: only the binding can refuse a mutated request.
const pair = await generateKeyPair()
const signer = createSigner({ username: 'billing', privateKey: pair.privateKey, now: () => NOW })
const verifiers = Object.fromEntries(
  (['if-present', 'required'] as const).map((binding) => [
    binding,
    createVerifier({ keys: new MemoryKeyStore({ billing: [pair.publicKey] }), nonces: new RecordingNonceStore(), now: () => NOW, binding }),
  ]),
) as Record<Exclude<BindingPolicy, 'off'>, ReturnType<typeof createVerifier>>

interface Sent {
  method: string
  host: string
  path: string
  query: string
  body: Uint8Array
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']
const HOSTS = ['api.example.com', 'api.example.com:8443', 'billing.example.com', '127.0.0.1:3000', 'API2.example.com']
const segment = fc.stringMatching(/^[A-Za-z0-9_~%-][A-Za-z0-9._~%-]{0,7}$/)
const path = fc.array(segment, { maxLength: 4 }).map((parts) => `/${parts.join('/')}`)
const query = fc.oneof(fc.constant(''), fc.stringMatching(/^[A-Za-z0-9=&%+._~-]{1,20}$/))
const bytes = fc.uint8Array({ maxLength: 64 })

const request = fc
  .record({ method: fc.constantFrom(...METHODS), host: fc.constantFrom(...HOSTS), path, query, body: bytes })
  .map((r): Sent => (r.method === 'GET' || r.method === 'DELETE' ? { ...r, body: new Uint8Array(0) } : r))

type Part = keyof Sent
const mutation = fc.record({
  part: fc.constantFrom<Part>('method', 'host', 'path', 'query', 'body'),
  method: fc.constantFrom(...METHODS),
  host: fc.constantFrom(...HOSTS),
  path,
  query,
  body: bytes,
  index: fc.nat(),
  bit: fc.integer({ min: 0, max: 7 }),
  kind: fc.constantFrom('flip', 'replace', 'append', 'truncate'),
})

function mutate(sent: Sent, m: MutationValue): Sent | undefined {
  switch (m.part) {
    case 'method':
      return m.method === sent.method ? undefined : { ...sent, method: m.method }
    case 'host':
      return m.host.toLowerCase() === sent.host.toLowerCase() ? undefined : { ...sent, host: m.host }
    case 'path':
      return m.path === sent.path ? undefined : { ...sent, path: m.path }
    case 'query':
      return m.query === sent.query ? undefined : { ...sent, query: m.query }
    case 'body': {
      const body = sent.body.slice()
      if (m.kind === 'flip' && body.length > 0) body[m.index % body.length]! ^= 1 << m.bit
      else if (m.kind === 'append') return { ...sent, body: new Uint8Array([...body, m.bit]) }
      else if (m.kind === 'truncate' && body.length > 0) return { ...sent, body: body.slice(0, m.index % body.length) }
      else if (m.kind === 'replace') return equal(m.body, body) ? undefined : { ...sent, body: m.body }
      return equal(body, sent.body) ? undefined : { ...sent, body }
    }
  }
}
type MutationValue = typeof mutation extends fc.Arbitrary<infer T> ? T : never

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i])
}

// Two spellings the URL parser makes one (`API2.example.com`, `api2.example.com`) are one request.
function sameRequest(a: Sent, b: Sent): boolean {
  return a.method === b.method && equal(a.body, b.body) && new URL(urlOf(a)).href === new URL(urlOf(b)).href
}

const urlOf = (r: Sent) => `https://${r.host}${r.path}${r.query ? `?${r.query}` : ''}`

/** What the server decides for a request: verify, then read the body through checkBody. */
async function serverVerdict(policy: 'if-present' | 'required', authorization: string, at: Sent): Promise<string> {
  // The server receives what fetch sends: the URL as serialized.
  const url = new URL(urlOf(at))
  const result = await verifiers[policy].verify(authorization, {
    method: at.method,
    url: `${url.protocol}//${url.host}${url.pathname}${url.search}`,
    hasBody: at.body.length > 0,
  })
  if (!result.ok) return result.error.code
  try {
    await new Response(checkBody(new Response(new Uint8Array(at.body)).body, result.auth)).arrayBuffer()
  } catch (error) {
    return (error as { code?: string }).code ?? 'thrown'
  }
  return 'ok'
}

describe('request binding: properties', () => {
  it('the bound request itself is accepted', async () => {
    await fc.assert(
      fc.asyncProperty(request, fc.constantFrom('if-present', 'required') as fc.Arbitrary<'if-present' | 'required'>, async (sent, policy) => {
        const authorization = await signer.authorization({ method: sent.method, url: urlOf(sent), body: sent.body })
        expect(await serverVerdict(policy, authorization, sent)).toBe('ok')
      }),
      { numRuns: 100 },
    )
  })

  it('a random mutation of any bound part (method, host, path, query, body) is never accepted', async () => {
    const refusals = new Set<string>()
    await fc.assert(
      fc.asyncProperty(request, mutation, fc.constantFrom('if-present', 'required') as fc.Arbitrary<'if-present' | 'required'>, async (sent, m, policy) => {
        const mutated = mutate(sent, m)
        if (!mutated || sameRequest(sent, mutated)) return
        const authorization = await signer.authorization({ method: sent.method, url: urlOf(sent), body: sent.body })
        const verdict = await serverVerdict(policy, authorization, mutated)
        expect(verdict, JSON.stringify({ sent: { ...sent, body: [...sent.body] }, mutated: { ...mutated, body: [...mutated.body] } })).not.toBe('ok')
        refusals.add(verdict)
      }),
      { numRuns: 400 },
    )
    expect([...refusals].sort()).toEqual(['body_mismatch', 'method_mismatch', 'query_mismatch', 'url_mismatch'])
  })
})
