import { describe, expect, it } from 'vitest'
import type { NonceStore } from '../stores/types.ts'

/**
 * Options of {@link describeNonceStore}.
 *
 * @example
 * ```ts
 * describeNonceStore('RedisNonceStore', () => new RedisNonceStore({ client }), { concurrency: 200 })
 * ```
 */
export interface NonceStoreSuiteOptions {
  /** How many concurrent claims of one nonce race. Default 200. */
  concurrency?: number
  /** Per-test timeout in ms. Default 15 000. */
  timeout?: number
}

const unique = (): string => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`
const nowSeconds = (): number => Math.floor(Date.now() / 1000)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The conformance suite every {@link NonceStore} must pass: claims are true exactly once,
 * atomically under concurrency, scoped by (username, time, nonce), and released after expiry.
 * Usernames are unique per run, so it can run against a shared server.
 *
 * @example
 * ```ts
 * import { describeNonceStore } from '@ajwt/core/testing'
 * describeNonceStore('MemoryNonceStore', () => new MemoryNonceStore())
 * ```
 */
export function describeNonceStore(
  name: string,
  factory: () => NonceStore | Promise<NonceStore>,
  options: NonceStoreSuiteOptions = {},
): void {
  const concurrency = options.concurrency ?? 200
  const timeout = options.timeout ?? 15_000

  describe(`NonceStore conformance: ${name}`, () => {
    it('accepts the first claim and refuses the repeat', { timeout }, async () => {
      const store = await factory()
      const user = `u-${unique()}`
      const time = nowSeconds()
      expect(await store.claim(user, time, 'n1', time + 20)).toBe(true)
      expect(await store.claim(user, time, 'n1', time + 20)).toBe(false)
      expect(await store.claim(user, time, 'n1', time + 20)).toBe(false)
    })

    it('scopes claims by username, time and nonce', { timeout }, async () => {
      const store = await factory()
      const user = `u-${unique()}`
      const time = nowSeconds()
      expect(await store.claim(user, time, 'n', time + 20)).toBe(true)
      expect(await store.claim(`${user}-other`, time, 'n', time + 20)).toBe(true)
      expect(await store.claim(user, time + 1, 'n', time + 21)).toBe(true)
      expect(await store.claim(user, time, 'n2', time + 20)).toBe(true)
      expect(await store.claim(user, time, 'n', time + 20)).toBe(false)
    })

    it('does not confuse triples whose parts contain separators', { timeout }, async () => {
      const store = await factory()
      const user = `u-${unique()}`
      const time = nowSeconds()
      expect(await store.claim(`${user}:a`, time, 'b:c', time + 20)).toBe(true)
      expect(await store.claim(user, time, 'a:b:c', time + 20)).toBe(true)
      expect(await store.claim(`${user}:a:b`, time, 'c', time + 20)).toBe(true)
      expect(await store.claim(`${user} ü{}*?`, time, 'ñ\u0000x', time + 20)).toBe(true)
      expect(await store.claim(`${user} ü{}*?`, time, 'ñ\u0000x', time + 20)).toBe(false)
    })

    it('handles the longest usernames and nonces the verifier allows', { timeout }, async () => {
      const store = await factory()
      const prefix = `u-${unique()}`
      const user = prefix + 'x'.repeat(256 - prefix.length)
      const nonce = 'n'.repeat(128)
      const time = nowSeconds()
      expect(await store.claim(user, time, nonce, time + 20)).toBe(true)
      expect(await store.claim(user, time, nonce, time + 20)).toBe(false)
      expect(await store.claim(user, time, `${nonce.slice(1)}m`, time + 20)).toBe(true)
    })

    it(`lets exactly one of ${concurrency} concurrent claims of one nonce win`, { timeout }, async () => {
      const store = await factory()
      const user = `u-${unique()}`
      const time = nowSeconds()
      const results = await Promise.all(
        Array.from({ length: concurrency }, () => store.claim(user, time, 'race', time + 20)),
      )
      expect(results.filter(Boolean)).toHaveLength(1)
    })

    it(`accepts ${concurrency} concurrent claims of distinct nonces`, { timeout }, async () => {
      const store = await factory()
      const user = `u-${unique()}`
      const time = nowSeconds()
      const results = await Promise.all(
        Array.from({ length: concurrency }, (_, i) => store.claim(user, time, `n-${i}`, time + 20)),
      )
      expect(results.every(Boolean)).toBe(true)
    })

    it('releases a claim after it expires', { timeout }, async () => {
      const store = await factory()
      const user = `u-${unique()}`
      const time = nowSeconds()
      const expiresAt = Date.now() / 1000 + 1
      expect(await store.claim(user, time, 'short', expiresAt)).toBe(true)
      expect(await store.claim(user, time, 'short', expiresAt)).toBe(false)
      await sleep(Math.ceil((expiresAt - Date.now() / 1000) * 1000) + 1100)
      expect(await store.claim(user, time, 'short', Date.now() / 1000 + 20)).toBe(true)
      expect(await store.claim(user, time, 'short', Date.now() / 1000 + 20)).toBe(false)
    })
  })
}
