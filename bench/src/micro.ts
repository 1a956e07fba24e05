// Micro-benchmarks, as a child process on core 0 with --expose-gc: `node --expose-gc src/micro.ts '<json>'`.
// Times are CPU time of this process (all threads, GC included), not wall time.
// 1. verifications per CPU-second: crypto.verify alone, the hand-written ceiling, ajwt's verifier with a
//    no-op nonce store and with MemoryNonceStore (each on distinct tokens, rounds interleaved);
// 2. MemoryNonceStore: ns per claim and heap bytes per entry at 100k live entries.
import { createPublicKey, randomBytes, verify } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createVerifier, MemoryKeyStore, MemoryNonceStore, type NonceStore } from '@ajwt/core'
import { createCeiling } from './ceiling.ts'
import { USERNAME, type Alg } from './types.ts'

export interface MicroConfig {
  pools: { alg: Alg; file: string; publicKeyPem: string }[]
  seconds: number
  rounds: number
  toleranceSeconds: number
  liveEntries: number
}

export interface VerifyRate {
  alg: Alg
  variant: 'crypto.verify' | 'ceiling' | 'ajwt (no-op nonce store)' | 'ajwt + MemoryNonceStore'
  /** Verifications per CPU-second of the process: median over the rounds, and the spread. */
  opsPerSecond: number
  min: number
  max: number
  /** The run stopped early because every token had been used once. */
  poolLimited: boolean
}

export interface NonceStoreCost {
  liveEntries: number
  bytesPerEntry: number
  /** While filling from 0 to liveEntries. */
  nsPerClaimFilling: number
  /** At liveEntries live, with as many expiring as arriving. */
  nsPerClaimSteady: number
  /** The same steady workload on a bare Map check-and-set without expiry, for scale. */
  nsPerMapCheckAndSet: number
}

export interface MicroResult {
  verify: VerifyRate[]
  nonceStore: NonceStoreCost
}

const HASH: Record<Alg, string | null> = { EdDSA: null, RS256: 'sha256', RS512: 'sha512' }
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined)
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** CPU seconds (user + system, all threads) since `start`: steadier than wall time on a shared machine. */
function cpuSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start)
  return (user + system) / 1e6
}

/** Calls `step(i)` for i = 0, 1, … for `seconds` of wall time (or until `limit`); returns calls per CPU-second. */
async function rate(seconds: number, limit: number, step: (i: number) => unknown): Promise<{ ops: number; limited: boolean }> {
  const end = performance.now() + seconds * 1000
  const cpu = process.cpuUsage()
  let i = 0
  while (i < limit) {
    const batchEnd = Math.min(limit, i + 64)
    for (; i < batchEnd; i++) {
      const result = step(i)
      if (result instanceof Promise) await result
    }
    if (performance.now() >= end) break
  }
  return { ops: i / cpuSince(cpu), limited: i >= limit }
}

async function verifyRates(config: MicroConfig): Promise<VerifyRate[]> {
  const rates: VerifyRate[] = []
  for (const pool of config.pools) {
    const tokens = readFileSync(pool.file, 'utf8').split('\n')
    const headers = tokens.map((t) => `JWT ${t}`)
    const key = createPublicKey(pool.publicKeyPem)
    const hash = HASH[pool.alg]
    const parts = tokens.slice(0, 10_000).map((t) => {
      const dot = t.lastIndexOf('.')
      return { data: Buffer.from(t.slice(0, dot), 'latin1'), signature: Buffer.from(t.slice(dot + 1), 'base64url') }
    })
    const keys = new MemoryKeyStore({ [USERNAME]: [pool.publicKeyPem] })
    const noop: NonceStore = { claim: async () => true }
    const variants: Record<VerifyRate['variant'], () => (i: number) => unknown> = {
      'crypto.verify': () => (i) => {
        const { data, signature } = parts[i % parts.length]!
        if (!verify(hash, data, key, signature)) throw new Error('crypto.verify rejected a pool token')
      },
      ceiling: () => {
        const check = createCeiling(pool.publicKeyPem, pool.alg, config.toleranceSeconds)
        return (i) => {
          if (check(headers[i]) !== USERNAME) throw new Error('the ceiling rejected a pool token')
        }
      },
      'ajwt (no-op nonce store)': () => {
        const verifier = createVerifier({ keys, nonces: noop, toleranceSeconds: config.toleranceSeconds })
        return async (i) => {
          if (!(await verifier.verify(headers[i])).ok) throw new Error('ajwt rejected a pool token')
        }
      },
      'ajwt + MemoryNonceStore': () => {
        const verifier = createVerifier({ keys, nonces: new MemoryNonceStore(), toleranceSeconds: config.toleranceSeconds })
        return async (i) => {
          if (!(await verifier.verify(headers[i])).ok) throw new Error('ajwt rejected a pool token')
        }
      },
    }
    const samples = new Map<string, { ops: number[]; limited: boolean }>()
    // A short untimed pass first, so that every variant runs optimised code.
    for (const make of Object.values(variants)) await rate(0.2, headers.length, make())
    const order = Object.entries(variants)
    for (let round = 0; round < config.rounds; round++) {
      // Rotate the order each round, so that no variant always runs first or right after another.
      for (const [variant, make] of [...order.slice(round % order.length), ...order.slice(0, round % order.length)]) {
        gc()
        const { ops, limited } = await rate(config.seconds, variant === 'crypto.verify' ? Infinity : headers.length, make())
        const sample = samples.get(variant) ?? { ops: [], limited: false }
        sample.ops.push(ops)
        sample.limited ||= limited
        samples.set(variant, sample)
      }
    }
    for (const [variant, { ops, limited }] of samples) {
      rates.push({ alg: pool.alg, variant: variant as VerifyRate['variant'], opsPerSecond: median(ops), min: Math.min(...ops), max: Math.max(...ops), poolLimited: limited })
    }
  }
  return rates
}

// The V8 heap plus ArrayBuffer backing stores (a typed array's bytes live outside the heap).
function heapBytes(): number {
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.arrayBuffers
}

async function nonceStoreCost(live: number): Promise<NonceStoreCost> {
  const nonces = (count: number): string[] => {
    const bytes = randomBytes(16 * count)
    return Array.from({ length: count }, (_, i) => bytes.subarray(16 * i, 16 * i + 16).toString('base64url'))
  }
  // Memory: fill to `live` entries; nonces are made inside the loop so only the store keeps them.
  let now = 1_700_000_000
  const window = 100
  const perSecond = live / window
  gc()
  const before = heapBytes()
  const store = new MemoryNonceStore({ clock: () => now * 1000, maxEntries: live * 4 })
  const fillNonces = nonces(live)
  const fillStart = process.cpuUsage()
  for (let i = 0; i < live; i++) {
    if (i % perSecond === 0 && i > 0) now++
    await store.claim({ username: USERNAME, time: now, nonce: fillNonces[i]!, ttlMs: window * 1000 })
  }
  const fillNs = (cpuSince(fillStart) * 1e9) / live
  fillNonces.length = 0
  gc()
  const after = heapBytes()
  // Steady state: time advances so that as many entries expire as arrive.
  const steadyCount = live * 3
  const steadyNonces = nonces(steadyCount)
  const steadyStart = process.cpuUsage()
  for (let i = 0; i < steadyCount; i++) {
    if (i % perSecond === 0) now++
    if (!(await store.claim({ username: USERNAME, time: now, nonce: steadyNonces[i]!, ttlMs: window * 1000 }))) throw new Error('MemoryNonceStore refused a fresh nonce')
  }
  const steadyNs = (cpuSince(steadyStart) * 1e9) / steadyCount
  const liveAtEnd = store.size
  // A bare Map check-and-set (what the ceiling does), for scale.
  const map = new Map<string, number>()
  const mapStart = process.cpuUsage()
  for (let i = 0; i < steadyCount; i++) {
    const id = `${USERNAME}\u0000${now}\u0000${steadyNonces[i]}`
    if (!map.has(id)) map.set(id, now + window)
  }
  const mapNs = (cpuSince(mapStart) * 1e9) / steadyCount
  if (Math.abs(liveAtEnd - live) > perSecond * 2) throw new Error(`expected ~${live} live entries, found ${liveAtEnd}`)
  return { liveEntries: live, bytesPerEntry: (after - before) / live, nsPerClaimFilling: fillNs, nsPerClaimSteady: steadyNs, nsPerMapCheckAndSet: mapNs }
}

const config = JSON.parse(process.argv[2] ?? '{}') as MicroConfig
const result: MicroResult = { verify: await verifyRates(config), nonceStore: await nonceStoreCost(config.liveEntries) }
process.stdout.write(`${JSON.stringify(result)}\n`)
