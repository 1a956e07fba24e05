import { env } from 'cloudflare:workers'
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { NonceStoreObject } from './nonce-store-object.ts'

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
// Alarms are always scheduled well in the future here and fired with runDurableObjectAlarm:
// an alarm due now would fire by itself, racing the assertions.
const SWEEP_DELAY_MS = 10_000

function freshObject() {
  return env.AJWT_NONCES.get(env.AJWT_NONCES.idFromName(`object-${unique()}`))
}

type Stub = ReturnType<typeof freshObject>

const rows = (stub: Stub) =>
  runInDurableObject(stub, (_: NonceStoreObject, state) =>
    state.storage.sql.exec<{ nonce: string; expires_at: number }>('SELECT nonce, expires_at FROM nonces ORDER BY nonce').toArray(),
  )
const alarm = (stub: Stub) => runInDurableObject(stub, (_: NonceStoreObject, state) => state.storage.getAlarm())
// Seeds "time has passed" for one row: its expiry moves into the past, the alarm stays where it was.
const expire = (stub: Stub, nonce: string) =>
  runInDurableObject(stub, (_: NonceStoreObject, state) => {
    state.storage.sql.exec('UPDATE nonces SET expires_at = ? WHERE nonce = ?', Date.now() - 1000, nonce)
  })

const claim = (nonce: string, ttlMs: number, time = Math.floor(Date.now() / 1000)) => ({ username: 'u', time, nonce, ttlMs })
const expiryOf = async (stub: Stub, nonce: string) => (await rows(stub)).find((row) => row.nonce === nonce)!.expires_at

describe('NonceStoreObject', () => {
  it('keeps each claim for its ttl on its own clock and arms the sweep alarm after the earliest expiry', async () => {
    const stub = freshObject()
    const before = Date.now()
    expect(await stub.claim(claim('late', 120_000))).toBe(true)
    const late = await expiryOf(stub, 'late')
    // Counted from the object's clock when it recorded the claim, never from the token's time.
    expect(late).toBeGreaterThanOrEqual(before + 120_000)
    expect(late).toBeLessThan(Date.now() + 120_000 + 5_000)
    expect(await alarm(stub)).toBe(late + SWEEP_DELAY_MS)
    expect(await stub.claim(claim('early', 60_000, 1))).toBe(true)
    const early = await expiryOf(stub, 'early')
    expect(early).toBeLessThan(late)
    expect(await alarm(stub)).toBe(early + SWEEP_DELAY_MS)
    expect(await stub.claim(claim('later', 300_000))).toBe(true)
    expect(await alarm(stub)).toBe(early + SWEEP_DELAY_MS)
    expect((await rows(stub)).map((row) => row.nonce)).toEqual(['early', 'late', 'later'])
  })

  it('treats an expired row as free even before the alarm sweeps it', async () => {
    const stub = freshObject()
    const time = Math.floor(Date.now() / 1000)
    expect(await stub.claim(claim('n', 60_000, time))).toBe(true)
    expect(await stub.claim(claim('n', 60_000, time))).toBe(false)
    await expire(stub, 'n')
    expect(await stub.claim(claim('n', 90_000, time))).toBe(true)
    expect(await expiryOf(stub, 'n')).toBeGreaterThan(Date.now() + 80_000)
    expect(await stub.claim(claim('n', 90_000, time))).toBe(false)
  })

  it('deletes expired rows when the alarm runs and re-arms it for the next expiry', async () => {
    const stub = freshObject()
    for (const [nonce, ttl] of [['a', 60_000], ['b', 90_000], ['c', 120_000]] as const) {
      expect(await stub.claim(claim(nonce, ttl))).toBe(true)
    }
    const c = await expiryOf(stub, 'c')
    await expire(stub, 'a')
    await expire(stub, 'b')
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await rows(stub)).toEqual([{ nonce: 'c', expires_at: c }])
    expect(await alarm(stub)).toBe(c + SWEEP_DELAY_MS)

    await expire(stub, 'c')
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await rows(stub)).toEqual([])
    expect(await alarm(stub)).toBeNull()
    expect(await runDurableObjectAlarm(stub)).toBe(false)

    // Empty again: the next claim arms a new alarm.
    expect(await stub.claim(claim('d', 45_000))).toBe(true)
    expect(await alarm(stub)).toBe((await expiryOf(stub, 'd')) + SWEEP_DELAY_MS)
  })

  it('keeps claims and the alarm across an eviction of the object', async () => {
    const stub = freshObject()
    const time = Math.floor(Date.now() / 1000)
    expect(await stub.claim(claim('n', 60_000, time))).toBe(true)
    const n = await expiryOf(stub, 'n')
    const { evictDurableObject } = await import('cloudflare:test')
    await evictDurableObject(stub)
    expect(await stub.claim(claim('n', 60_000, time))).toBe(false)
    expect(await stub.claim(claim('m', 200_000, time))).toBe(true)
    expect(await alarm(stub)).toBe(n + SWEEP_DELAY_MS)
  })
})
