import {
  createSigner,
  createVerifier,
  generateKeyPair,
  type KeyStore,
  MemoryKeyStore,
  type NonceClaim,
  type NonceStore,
  type Verifier,
} from '@ajwt/core'
import { beforeAll, describe, expect, it } from 'vitest'

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
  /** Per-test timeout in ms. Default 30 000. */
  timeout?: number
}

const unique = (): string => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`
const nowSeconds = (): number => Math.floor(Date.now() / 1000)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const LONG = 60_000

/** How the verifier-level scenarios below see time: tolerances short enough to wait out. */
const TOLERANCE = 2
/** Wide enough for two clocks 4 s apart to share part of a token's window. */
const SHARED_TOLERANCE = 5

/**
 * The conformance suite every {@link NonceStore} must pass. The store alone: claims are true
 * exactly once, atomically under concurrency, scoped by (username, time, nonce), kept for `ttlMs`
 * on the store's own clock whatever the token's `time`, released after it, and a ttl the store
 * cannot keep is refused (the promise rejects). Then through `createVerifier`, with real keys:
 * a verifier whose clock is seconds ahead of or behind the store's, two verifiers whose clocks
 * differ by seconds sharing the store, and bursts of one token across the edge of its window with
 * a slow key store, each accept the token exactly once. Usernames are unique per run, so it can
 * run against a shared server; it imports no Node built-in, so it runs inside workerd too.
 *
 * @example
 * ```ts
 * import { describeNonceStore } from '@ajwt/testing'
 * describeNonceStore('MemoryNonceStore', () => new MemoryNonceStore())
 * ```
 */
export function describeNonceStore(
  name: string,
  factory: () => NonceStore | Promise<NonceStore>,
  options: NonceStoreSuiteOptions = {},
): void {
  const concurrency = options.concurrency ?? 200
  const timeout = options.timeout ?? 30_000
  const claim = (username: string, time: number, nonce: string, ttlMs = LONG): NonceClaim => ({ username, time, nonce, ttlMs })

  describe(`NonceStore conformance: ${name}`, () => {
    it('accepts the first claim and refuses the repeat', { timeout }, async () => {
      const store = await factory()
      const user = `u-${unique()}`
      const time = nowSeconds()
      expect(await store.claim(claim(user, time, 'n1'))).toBe(true)
      expect(await store.claim(claim(user, time, 'n1'))).toBe(false)
      expect(await store.claim(claim(user, time, 'n1', 1))).toBe(false)
    })

    it('scopes claims by username, time and nonce', { timeout }, async () => {
      const store = await factory()
      const user = `u-${unique()}`
      const time = nowSeconds()
      expect(await store.claim(claim(user, time, 'n'))).toBe(true)
      expect(await store.claim(claim(`${user}-other`, time, 'n'))).toBe(true)
      expect(await store.claim(claim(user, time + 1, 'n'))).toBe(true)
      expect(await store.claim(claim(user, time, 'n2'))).toBe(true)
      expect(await store.claim(claim(user, time, 'n'))).toBe(false)
    })

    it('does not confuse triples whose parts contain separators', { timeout }, async () => {
      const store = await factory()
      const user = `u-${unique()}`
      const time = nowSeconds()
      expect(await store.claim(claim(`${user}:a`, time, 'b:c'))).toBe(true)
      expect(await store.claim(claim(user, time, 'a:b:c'))).toBe(true)
      expect(await store.claim(claim(`${user}:a:b`, time, 'c'))).toBe(true)
      expect(await store.claim(claim(`${user} ü{}*?`, time, 'ñ\u0000x'))).toBe(true)
      expect(await store.claim(claim(`${user} ü{}*?`, time, 'ñ\u0000x'))).toBe(false)
    })

    it('handles the longest usernames and nonces the verifier allows', { timeout }, async () => {
      const store = await factory()
      const prefix = `u-${unique()}`
      const user = prefix + 'x'.repeat(256 - prefix.length)
      const nonce = 'n'.repeat(128)
      const time = nowSeconds()
      expect(await store.claim(claim(user, time, nonce))).toBe(true)
      expect(await store.claim(claim(user, time, nonce))).toBe(false)
      expect(await store.claim(claim(user, time, `${nonce.slice(1)}m`))).toBe(true)
    })

    it(`lets exactly one of ${concurrency} concurrent claims of one nonce win`, { timeout }, async () => {
      const store = await factory()
      const user = `u-${unique()}`
      const time = nowSeconds()
      const results = await Promise.all(Array.from({ length: concurrency }, () => store.claim(claim(user, time, 'race'))))
      expect(results.filter((fresh) => fresh === true)).toHaveLength(1)
      expect(results.filter((fresh) => fresh === false)).toHaveLength(concurrency - 1)
    })

    it(`accepts ${concurrency} concurrent claims of distinct nonces`, { timeout }, async () => {
      const store = await factory()
      const user = `u-${unique()}`
      const time = nowSeconds()
      const results = await Promise.all(Array.from({ length: concurrency }, (_, i) => store.claim(claim(user, time, `n-${i}`))))
      expect(results.every((fresh) => fresh === true)).toBe(true)
    })

    it('keeps a record for its ttl from the claim, whatever the token time says (no expiry by `time`)', { timeout }, async () => {
      const store = await factory()
      const user = `u-${unique()}`
      // A store that expired records at `time + …` (a clock of another machine) would release these at once.
      const times = [1, nowSeconds() - 3600, nowSeconds() + 3600]
      for (const time of times) {
        expect(await store.claim(claim(user, time, 'kept', 30_000))).toBe(true)
      }
      await sleep(1100)
      for (const time of times) {
        expect(await store.claim(claim(user, time, 'kept', 30_000))).toBe(false)
      }
    })

    it('releases a claim once its ttl has passed', { timeout }, async () => {
      const store = await factory()
      const user = `u-${unique()}`
      const time = nowSeconds()
      expect(await store.claim(claim(user, time, 'short', 1000))).toBe(true)
      await sleep(2100)
      expect(await store.claim(claim(user, time, 'short'))).toBe(true)
      expect(await store.claim(claim(user, time, 'short'))).toBe(false)
    })

    it('refuses a ttl it cannot keep (the claim rejects, it never answers true)', { timeout }, async () => {
      const store = await factory()
      const user = `u-${unique()}`
      const time = nowSeconds()
      for (const ttlMs of [0, -1000, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expect(store.claim(claim(user, time, `bad-ttl-${String(ttlMs)}`, ttlMs)), `ttlMs ${ttlMs}`).rejects.toThrow()
      }
      expect(await store.claim(claim(user, time, 'bad-ttl-0'))).toBe(true)
    })

    describe('through createVerifier, with clocks that disagree', () => {
      let privateKey: string
      let keys: KeyStore
      const user = `u-${unique()}`

      beforeAll(async () => {
        const pair = await generateKeyPair('ed25519')
        privateKey = pair.privateKey
        keys = new MemoryKeyStore({ [user]: [pair.publicKey] })
      }, 60_000)

      /**
       * A token whose window, on a clock reading `clock()`, closes 1 to 2 s after it is made, and
       * when (on that clock), once `verifier` has accepted it: a machine so loaded that the window
       * closed first just makes another (the scenario needs one acceptance, not a fast machine).
       */
      const acceptedClosingToken = async (verifier: Verifier, clock: () => number, tolerance = TOLERANCE) => {
        const refusals: string[] = []
        for (let attempt = 0; attempt < 5; attempt++) {
          const time = Math.floor(clock()) - tolerance + 1
          const authorization = await createSigner({ username: user, privateKey, now: () => time }).authorization()
          const first = await verifier.verify(authorization)
          if (first.ok) return { authorization, closesAt: time + tolerance + 1 }
          refusals.push(first.error.detail)
          expect(first.error.code).toBe('invalid_time')
        }
        throw new Error(`no token was accepted before its window closed: ${refusals.join('; ')}`)
      }

      /**
       * Replays `authorization` at `verifier` until its window has closed (past an `invalid_time`
       * for a token still in its future); answers how many were accepted.
       */
      const replayUntilClosed = async (verifier: Verifier, authorization: string) => {
        let accepted = 0
        let inside = false
        for (let round = 0; round < 600; round++) {
          const result = await verifier.verify(authorization)
          if (result.ok) accepted++
          else if (result.error.code === 'invalid_time') {
            if (inside) return accepted
          } else expect(result.error.code).toBe('replay')
          inside ||= result.ok || result.error.code !== 'invalid_time'
          await sleep(25)
        }
        throw new Error('the window never closed')
      }

      for (const offset of [-4, 4]) {
        it(`a verifier whose clock is ${Math.abs(offset)} s ${offset < 0 ? 'behind' : 'ahead of'} the store accepts a token once`, { timeout }, async () => {
          const nonces = await factory()
          const clock = () => Date.now() / 1000 + offset
          const verifier = createVerifier({ keys, nonces, now: clock, toleranceSeconds: TOLERANCE })
          const { authorization } = await acceptedClosingToken(verifier, clock)
          expect(await replayUntilClosed(verifier, authorization)).toBe(0)
        })
      }

      it('two verifiers whose clocks are 4 s apart, sharing the store, accept a token once', { timeout }, async () => {
        const nonces = await factory()
        const ahead = () => Date.now() / 1000 + 2
        const behind = () => Date.now() / 1000 - 2
        const options = { keys, nonces, toleranceSeconds: SHARED_TOLERANCE }
        const first = createVerifier({ ...options, now: ahead })
        const second = createVerifier({ ...options, now: behind })
        // Accepted as late as the fast clock allows: the slow one accepts it for 4 s more.
        const { authorization } = await acceptedClosingToken(first, ahead, SHARED_TOLERANCE)
        expect(await replayUntilClosed(second, authorization)).toBe(0)
      })

      it('bursts of one token across the edge of its window, with a slow key store, are accepted once', { timeout }, async () => {
        const nonces = await factory()
        let lookups = 0
        const slowKeys: KeyStore = {
          getKeys: async (username, hint) => {
            await sleep(lookups++ % 20)
            return keys.getKeys(username, hint)
          },
        }
        const verifier = createVerifier({ keys: slowKeys, nonces, toleranceSeconds: TOLERANCE })
        const clock = () => Date.now() / 1000
        const { authorization, closesAt } = await acceptedClosingToken(verifier, clock)
        const edge = closesAt * 1000
        const verdicts: Promise<boolean>[] = []
        // Waves of 25 every 10 ms, from 100 ms before the window closes to 100 ms after.
        await sleep(Math.max(0, edge - 100 - Date.now()))
        for (let wave = 0; wave < 20; wave++) {
          for (let i = 0; i < 25; i++) verdicts.push(verifier.verify(authorization).then((result) => result.ok))
          await sleep(10)
        }
        // The one acceptance came before the bursts; none of the 500 copies is accepted again.
        expect((await Promise.all(verdicts)).filter(Boolean)).toEqual([])
      })
    })
  })
}
