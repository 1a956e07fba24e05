import {
  AjwtError,
  createSigner,
  createVerifier,
  generateKeyPair,
  importPublicKey,
  JwksKeyStore,
  MemoryNonceStore,
  toJWKS,
  type GeneratedKeyPair,
  type JwksKeyStoreOptions,
  type VerifyResult,
} from '@ajwt/core'
import { backendName } from '@ajwt/testing'
import { env, exports } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { DurableObjectNonceStore } from '../src/index.ts'

// JwksKeyStore inside workerd: the JWKS URLs are served by the test Worker's own fetch handler
// (test/jwks-endpoint.ts), reached through the store's `fetch` option, on the WebCrypto backend.
// The host is a public-looking https name, so the store runs with its default URL checks.

const BASE = 'https://keys.test/jwks'
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`

/** Each path the store fetched, in order; every call goes to the Worker's default export. */
function workerFetch() {
  const paths: string[] = []
  const fetch: JwksKeyStoreOptions['fetch'] = (url, init) => {
    paths.push(new URL(url).pathname)
    return exports.default.fetch(new Request(url, init))
  }
  return { paths, fetch }
}

const store = (url: string, options: Partial<JwksKeyStoreOptions> = {}) => {
  const fetched = workerFetch()
  const keys = new JwksKeyStore({ url: () => url, fetch: fetched.fetch, ...options })
  return { keys, paths: fetched.paths }
}

const publish = async (user: string, ...pairs: GeneratedKeyPair[]) =>
  env.AJWT_KEYS_KV.put(
    `ajwt:jwks:${user}`,
    JSON.stringify(toJWKS(await Promise.all(pairs.map((pair) => importPublicKey(pair.publicKey))))),
  )

const signed = (username: string, pair: GeneratedKeyPair, now?: () => number) =>
  createSigner({ username, privateKey: pair.privateKey, now }).authorization()

const verdict = (result: VerifyResult) => (result.ok ? 'ok' : result.error.code)

const failure = async (promise: Promise<unknown>): Promise<AjwtError> => {
  const error = await promise.then(
    () => undefined,
    (cause: unknown) => cause,
  )
  expect(error).toBeInstanceOf(AjwtError)
  expect((error as AjwtError).code).toBe('store_unavailable')
  return error as AjwtError
}

/** A clock (unix seconds) shared by the store, the verifier, the nonce store and the signers. */
const testClock = () => {
  const clock = { t: Math.floor(Date.now() / 1000), now: () => clock.t }
  return clock
}

let ed: GeneratedKeyPair
let ed2: GeneratedKeyPair
let rsa: GeneratedKeyPair

beforeAll(async () => {
  ;[ed, ed2, rsa] = await Promise.all([generateKeyPair('ed25519'), generateKeyPair('ed25519'), generateKeyPair('rsa')])
})

describe('JwksKeyStore in workerd, against a JWKS served by a Worker', () => {
  it('runs on the WebCrypto backend', () => {
    expect(backendName).toBe('webcrypto')
  })

  it('verifies Ed25519 and RSA tokens end to end, refuses replays and foreign keys, fetching once', async () => {
    const user = unique('billing')
    await publish(user, ed, rsa)
    const fetched = workerFetch()
    const keys = new JwksKeyStore({
      url: (username) => (username === user ? `${BASE}/${user}.json` : undefined),
      fetch: fetched.fetch,
    })
    const verifier = createVerifier({ keys, nonces: new DurableObjectNonceStore(env.AJWT_NONCES) })
    for (const pair of [ed, rsa]) {
      const authorization = await signed(user, pair)
      const result = await verifier.verify(authorization)
      expect(result.ok && [result.auth.username, result.auth.kid]).toEqual([
        user,
        (await importPublicKey(pair.publicKey)).kid,
      ])
      expect(verdict(await verifier.verify(authorization))).toBe('replay')
    }
    expect(verdict(await verifier.verify(await signed(user, ed2)))).toBe('invalid_signature')
    expect(verdict(await verifier.verify(await signed(unique('mallory'), ed)))).toBe('unknown_user')
    expect(fetched.paths).toEqual([`/jwks/${user}.json`])
  })

  it('picks up a rotated key at most once per cooldown', async () => {
    const user = unique('rotate')
    const clock = testClock()
    await publish(user, ed)
    const { keys, paths } = store(`${BASE}/${user}.json`, { now: clock.now, cooldown: 30_000 })
    const verifier = createVerifier({ keys, nonces: new MemoryNonceStore(), now: clock.now })
    const verify = async (pair: GeneratedKeyPair) => verdict(await verifier.verify(await signed(user, pair, clock.now)))
    expect(await verify(ed)).toBe('ok')
    expect(paths).toHaveLength(1)

    // The client rotates to ed2 and drops ed: within the cooldown the new kid triggers no fetch.
    await publish(user, ed2)
    clock.t += 5
    expect(await verify(ed2)).toBe('invalid_signature')
    expect(paths).toHaveLength(1)

    clock.t += 26
    expect(await verify(ed2)).toBe('ok')
    expect(paths).toHaveLength(2)
    expect(await verify(ed)).toBe('invalid_signature')
    expect(paths).toHaveLength(2)
  })

  it('keeps serving the last good keys while the endpoint answers 500, then recovers', async () => {
    const user = unique('stale')
    const clock = testClock()
    await publish(user, ed)
    const errors: string[] = []
    const { keys, paths } = store(`${BASE}/${user}.json`, {
      now: clock.now,
      cacheMaxAge: 60_000,
      cooldown: 30_000,
      onError: (error, username) => errors.push(`${username}: ${error.code}: ${error.detail}`),
    })
    const verifier = createVerifier({ keys, nonces: new MemoryNonceStore(), now: clock.now })
    const verify = async (pair: GeneratedKeyPair) => verdict(await verifier.verify(await signed(user, pair, clock.now)))
    expect(await verify(ed)).toBe('ok')

    await env.AJWT_KEYS_KV.put(`ajwt:jwks-outage:${user}`, '1')
    clock.t += 61
    expect(await verify(ed)).toBe('ok')
    expect(paths).toHaveLength(2)
    expect(errors).toEqual([expect.stringMatching(new RegExp(`^${user}: store_unavailable: .*HTTP 500`))])

    await env.AJWT_KEYS_KV.delete(`ajwt:jwks-outage:${user}`)
    await publish(user, ed2)
    clock.t += 31
    expect(await verify(ed2)).toBe('ok')
    expect(paths).toHaveLength(3)
    expect(errors).toHaveLength(1)
  })

  it('answers 503 when the keys were never fetched and the endpoint fails', async () => {
    const user = unique('down')
    await publish(user, ed)
    await env.AJWT_KEYS_KV.put(`ajwt:jwks-outage:${user}`, '1')
    const { keys } = store(`${BASE}/${user}.json`)
    const result = await createVerifier({ keys, nonces: new MemoryNonceStore() }).verify(await signed(user, ed))
    expect(result.ok ? 'accepted' : [result.error.code, result.error.status]).toEqual(['store_unavailable', 503])
  })

  it('refuses bodies over the size cap, declared or streamed', async () => {
    expect((await failure(store(`${BASE}/padded/70000.json`).keys.getKeys('u'))).detail).toMatch(/65536-byte limit/)
    const streamed = store(`${BASE}/padded/2048.json?stream`, { maxBytes: 1024 })
    expect((await failure(streamed.keys.getKeys('u'))).detail).toMatch(/body exceeds the 1024-byte limit/)
    // Under the cap, the same endpoint is accepted (an empty JWKS).
    expect(await store(`${BASE}/padded/60000.json?stream`).keys.getKeys('u')).toEqual([])
  })

  it('gives up on a slow endpoint at the timeout, before the headers or in the body', async () => {
    for (const path of ['slow/headers.json', 'slow/body.json']) {
      const { keys } = store(`${BASE}/${path}`, { timeout: 100 })
      expect((await failure(keys.getKeys('u'))).detail).toMatch(/within 100 ms/)
    }
    const { keys } = store(`${BASE}/slow/headers.json`, { timeout: 100 })
    const result = await createVerifier({ keys, nonces: new MemoryNonceStore() }).verify(await signed('u', ed))
    expect(result.ok ? 'accepted' : [result.error.code, result.error.status]).toEqual(['store_unavailable', 503])
  })

  it('does not follow redirects', async () => {
    const user = unique('moved')
    await publish(user, ed)
    const { keys, paths } = store(`${BASE}/redirect/${user}.json`)
    expect((await failure(keys.getKeys(user))).detail).toMatch(/redirect \(HTTP 302\) refused/)
    expect(paths).toEqual([`/jwks/redirect/${user}.json`])
    // The target itself is a good JWKS: only the redirect was refused.
    expect(await store(`${BASE}/${user}.json`).keys.getKeys(user)).toHaveLength(1)
  })
})
