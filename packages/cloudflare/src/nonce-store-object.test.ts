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

describe('NonceStoreObject', () => {
  it('stores each claim with its expiry and arms the sweep alarm after the earliest one', async () => {
    const stub = freshObject()
    const now = Math.floor(Date.now() / 1000)
    expect(await stub.claim('u', now, 'late', now + 120)).toBe(true)
    expect(await alarm(stub)).toBe((now + 120) * 1000 + SWEEP_DELAY_MS)
    expect(await stub.claim('u', now, 'early', now + 60)).toBe(true)
    expect(await alarm(stub)).toBe((now + 60) * 1000 + SWEEP_DELAY_MS)
    expect(await stub.claim('u', now, 'later', now + 300)).toBe(true)
    expect(await alarm(stub)).toBe((now + 60) * 1000 + SWEEP_DELAY_MS)
    expect(await rows(stub)).toEqual([
      { nonce: 'early', expires_at: (now + 60) * 1000 },
      { nonce: 'late', expires_at: (now + 120) * 1000 },
      { nonce: 'later', expires_at: (now + 300) * 1000 },
    ])
  })

  it('treats an expired row as free even before the alarm sweeps it', async () => {
    const stub = freshObject()
    const now = Math.floor(Date.now() / 1000)
    expect(await stub.claim('u', now, 'n', now + 60)).toBe(true)
    expect(await stub.claim('u', now, 'n', now + 60)).toBe(false)
    await expire(stub, 'n')
    expect(await stub.claim('u', now, 'n', now + 90)).toBe(true)
    expect(await rows(stub)).toEqual([{ nonce: 'n', expires_at: (now + 90) * 1000 }])
    expect(await stub.claim('u', now, 'n', now + 90)).toBe(false)
  })

  it('deletes expired rows when the alarm runs and re-arms it for the next expiry', async () => {
    const stub = freshObject()
    const now = Math.floor(Date.now() / 1000)
    for (const [nonce, ttl] of [['a', 60], ['b', 90], ['c', 120]] as const) {
      expect(await stub.claim('u', now, nonce, now + ttl)).toBe(true)
    }
    await expire(stub, 'a')
    await expire(stub, 'b')
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await rows(stub)).toEqual([{ nonce: 'c', expires_at: (now + 120) * 1000 }])
    expect(await alarm(stub)).toBe((now + 120) * 1000 + SWEEP_DELAY_MS)

    await expire(stub, 'c')
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await rows(stub)).toEqual([])
    expect(await alarm(stub)).toBeNull()
    expect(await runDurableObjectAlarm(stub)).toBe(false)

    // Empty again: the next claim arms a new alarm.
    expect(await stub.claim('u', now, 'd', now + 45)).toBe(true)
    expect(await alarm(stub)).toBe((now + 45) * 1000 + SWEEP_DELAY_MS)
  })

  it('keeps claims and the alarm across an eviction of the object', async () => {
    const stub = freshObject()
    const now = Math.floor(Date.now() / 1000)
    expect(await stub.claim('u', now, 'n', now + 60)).toBe(true)
    const { evictDurableObject } = await import('cloudflare:test')
    await evictDurableObject(stub)
    expect(await stub.claim('u', now, 'n', now + 60)).toBe(false)
    expect(await stub.claim('u', now, 'm', now + 200)).toBe(true)
    expect(await alarm(stub)).toBe((now + 60) * 1000 + SWEEP_DELAY_MS)
  })
})
