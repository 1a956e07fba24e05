import { assertNonceClaim, type NonceClaim } from '@ajwt/core'
import { DurableObject } from 'cloudflare:workers'

// Expired rows are harmless (a claim treats them as free), so the sweep may lag the earliest
// expiry a little: one alarm then deletes several seconds' worth of rows instead of one per second.
const SWEEP_DELAY_MS = 10_000

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS nonces (
    username TEXT NOT NULL,
    time INTEGER NOT NULL,
    nonce TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (username, time, nonce)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS nonces_expires_at ON nonces (expires_at);
`

// One statement, so the check and the write cannot be separated: a live row wins (nothing is
// returned), an expired one is taken over.
const CLAIM = `
  INSERT INTO nonces (username, time, nonce, expires_at) VALUES (?, ?, ?, ?)
  ON CONFLICT (username, time, nonce) DO UPDATE SET expires_at = excluded.expires_at
  WHERE nonces.expires_at <= ?
  RETURNING 1 AS claimed
`

/**
 * The Durable Object behind {@link DurableObjectNonceStore}: a SQLite table of used
 * `(username, time, nonce)` with their expiry, swept by an alarm. Export it from your Worker and
 * declare it in `migrations` under `new_sqlite_classes`.
 *
 * @example
 * ```ts
 * // src/index.ts
 * export { NonceStoreObject } from '@ajwt/cloudflare'
 * // wrangler.jsonc
 * // "durable_objects": { "bindings": [{ "name": "AJWT_NONCES", "class_name": "NonceStoreObject" }] },
 * // "migrations": [{ "tag": "v1", "new_sqlite_classes": ["NonceStoreObject"] }]
 * ```
 */
export class NonceStoreObject extends DurableObject<unknown> {
  /** When the sweep alarm is set (ms), null when none; read from storage once per instance. */
  private alarmAt: number | null = null

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env)
    ctx.storage.sql.exec(SCHEMA)
    void ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm()
    })
  }

  /**
   * Records `(username, time, nonce)` for `ttlMs`, counted on this object's own clock. True
   * exactly once while the record lives: the check and the write are one SQL statement in a
   * single-threaded object.
   */
  async claim(claim: NonceClaim): Promise<boolean> {
    // Anyone holding the binding can call this RPC, so it checks its arguments itself (TypeErrors:
    // only built-in error types cross the RPC boundary with their name).
    assertNonceClaim(claim, 'NonceStoreObject')
    const { username, time, nonce, ttlMs } = claim
    // The table's time column is an INTEGER.
    if (!Number.isSafeInteger(time)) throw new TypeError('NonceStoreObject.claim: time must be an integer')
    const now = Date.now()
    const expiresMs = now + Math.ceil(ttlMs)
    const claimed = this.ctx.storage.sql.exec(CLAIM, username, time, nonce, expiresMs, now).toArray().length > 0
    if (claimed) await this.armFor(expiresMs)
    return claimed
  }

  /** Deletes the expired rows, then sets the alarm for the next expiry (if any row is left). */
  override async alarm(): Promise<void> {
    const sql = this.ctx.storage.sql
    sql.exec('DELETE FROM nonces WHERE expires_at <= ?', Date.now())
    this.alarmAt = null
    const next = sql.exec<{ next: number | null }>('SELECT MIN(expires_at) AS next FROM nonces').one().next
    if (next !== null) await this.armFor(next)
  }

  private async armFor(expiresMs: number): Promise<void> {
    const at = expiresMs + SWEEP_DELAY_MS
    if (this.alarmAt !== null && this.alarmAt <= at) return
    this.alarmAt = at
    await this.ctx.storage.setAlarm(at)
  }
}
