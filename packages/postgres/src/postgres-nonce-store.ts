import { createHash } from 'node:crypto'
import { assertNonceClaim, type NonceClaim, type NonceStore } from '@ajwt/core'
import { checkPool, positive, tableName, withTimeout, type Queryable } from './shared.ts'

/**
 * Options of {@link PostgresNonceStore}.
 *
 * @example
 * ```ts
 * const options: PostgresNonceStoreOptions = { pool, table: 'auth.ajwt_nonces', sweepIntervalMs: 30_000 }
 * ```
 */
export interface PostgresNonceStoreOptions {
  /** A `pg` Pool (give it `connectionTimeoutMillis`, so that an unreachable server fails fast). */
  pool: Queryable
  /** The table, `name` or `schema.name`. Default `ajwt_nonces`. */
  table?: string
  /** Expired rows are deleted at most this often, in batches, piggybacking on claims. Default 10 000 ms. */
  sweepIntervalMs?: number
  /** Most rows one sweep deletes. Default 1000. */
  sweepBatchSize?: number
  /** A claim that PostgreSQL has not answered within this many ms throws (the request gets 503). Default 2000. */
  timeoutMs?: number
  /** Told about failed background sweeps (claims themselves throw). */
  onError?: (error: unknown) => void
}

/**
 * The nonce store for processes that already share a PostgreSQL database. One statement per
 * claim: `INSERT … ON CONFLICT DO UPDATE … WHERE expires_at <= now() RETURNING`, which inserts a
 * fresh triple, takes over an expired one, and returns nothing for a live one: atomic under any
 * concurrency, without a "check, then write" step. Expiry is `now() + ttl` on the database's own
 * clock, so the app servers' clocks may disagree with it by any amount. Rows are keyed by the SHA-256 of the triple
 * (32 bytes, whatever the username and nonce hold). Expired rows go in small batches through the
 * `expires_at` index, at most once per `sweepIntervalMs`: never a table scan per request.
 *
 * @example
 * ```ts
 * import pg from 'pg'
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 2000 })
 * const nonces = new PostgresNonceStore({ pool })
 * await nonces.migrate()
 * const verifier = createVerifier({ keys, nonces })
 * ```
 */
export class PostgresNonceStore implements NonceStore {
  private readonly pool: Queryable
  private readonly table: { sql: string; base: string }
  private readonly sweepIntervalMs: number
  private readonly sweepBatchSize: number
  private readonly timeoutMs: number
  private readonly onError: ((error: unknown) => void) | undefined
  private readonly claimSql: string
  private nextSweep = 0
  private sweeping: Promise<number> | undefined

  constructor(options: PostgresNonceStoreOptions) {
    this.pool = checkPool(options?.pool, 'PostgresNonceStore')
    this.table = tableName(options.table ?? 'ajwt_nonces')
    this.sweepIntervalMs = positive(options.sweepIntervalMs ?? 10_000, 'sweepIntervalMs', true)
    this.sweepBatchSize = Math.floor(positive(options.sweepBatchSize ?? 1000, 'sweepBatchSize'))
    this.timeoutMs = positive(options.timeoutMs ?? 2000, 'timeoutMs')
    this.onError = options.onError
    this.claimSql =
      `INSERT INTO ${this.table.sql} AS n (id, expires_at) VALUES ($1, now() + $2::double precision * interval '1 millisecond') ` +
      'ON CONFLICT (id) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE n.expires_at <= now() RETURNING 1'
  }

  /**
   * Creates the table and its index if they do not exist (idempotent, safe to run from several
   * processes at once).
   *
   * @example
   * ```ts
   * await new PostgresNonceStore({ pool }).migrate()
   * ```
   */
  async migrate(): Promise<void> {
    const { sql, base } = this.table
    // One simple-protocol query runs as one implicit transaction, serialised by the advisory lock.
    await this.pool.query(
      `SELECT pg_advisory_xact_lock(hashtext('ajwt:migrate:${sql}'));
       CREATE TABLE IF NOT EXISTS ${sql} (
         id bytea PRIMARY KEY,
         expires_at timestamptz NOT NULL
       );
       CREATE INDEX IF NOT EXISTS "${base}_expires_at" ON ${sql} (expires_at);`,
    )
  }

  /**
   * True exactly once per `(username, time, nonce)` while its row lives (`ttlMs` from the
   * database's `now()`), atomically across every process sharing the table. Throws when the
   * database cannot answer, and for a ttl that is not a positive number.
   *
   * @example
   * ```ts
   * const fresh = await nonces.claim({ username: 'billing', time: 1700000000, nonce: 'Zk3q…', ttlMs: 31_000 })
   * ```
   */
  async claim(claim: NonceClaim): Promise<boolean> {
    assertNonceClaim(claim, 'PostgresNonceStore')
    const { username, time, nonce, ttlMs } = claim
    const id = createHash('sha256').update(`${username.length}:${username}\u0000${time}\u0000${nonce}`, 'utf8').digest()
    const result = await withTimeout(this.pool.query(this.claimSql, [id, Math.ceil(ttlMs)]), this.timeoutMs, 'a nonce claim')
    if (this.sweepIntervalMs > 0 && Date.now() >= this.nextSweep && !this.sweeping) {
      this.sweep().catch((error: unknown) => this.onError?.(error))
    }
    return result.rowCount === 1
  }

  /**
   * Deletes up to `sweepBatchSize` expired rows now, through the `expires_at` index, skipping rows
   * another process is deleting. Claims call it by themselves; call it from a job if you like.
   *
   * @returns how many rows it deleted
   * @example
   * ```ts
   * const deleted = await nonces.sweep()
   * ```
   */
  sweep(): Promise<number> {
    if (this.sweeping) return this.sweeping
    this.nextSweep = Date.now() + this.sweepIntervalMs
    const { sql } = this.table
    const run = withTimeout(
      this.pool.query(
        `DELETE FROM ${sql} WHERE ctid = ANY(ARRAY(
           SELECT ctid FROM ${sql} WHERE expires_at < now() ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED))`,
        [this.sweepBatchSize],
      ),
      this.timeoutMs * 5,
      'a sweep',
    )
      .then((result) => {
        const deleted = result.rowCount ?? 0
        // A full batch means more is waiting: let the next claim sweep again.
        if (deleted >= this.sweepBatchSize) this.nextSweep = 0
        return deleted
      })
      .finally(() => {
        this.sweeping = undefined
      })
    this.sweeping = run
    return run
  }
}
