import { AjwtError, importPublicKey, type Auth, type KeyStore, type PublicKey } from '@ajwt/core'
import { checkPool, positive, storableText, tableName, withTimeout, type Queryable } from './shared.ts'

/**
 * Options of {@link PostgresKeyStore}.
 *
 * @example
 * ```ts
 * const options: PostgresKeyStoreOptions = { pool, cacheTtlMs: 5000, lastUsedFlushMs: 30_000 }
 * ```
 */
export interface PostgresKeyStoreOptions {
  /** A `pg` Pool (give it `connectionTimeoutMillis`, so that an unreachable server fails fast). */
  pool: Queryable
  /** The table, `name` or `schema.name`. Default `ajwt_public_keys`. */
  table?: string
  /** How long one process keeps a user's keys before asking again: the most a revocation made elsewhere waits. Default 5000 ms; 0 asks every time. */
  cacheTtlMs?: number
  /** Most users whose keys are cached. Default 10 000. */
  maxCachedUsers?: number
  /** Key uses recorded by {@link PostgresKeyStore.recordUse} are written at most this often, in one statement. Default 10 000 ms. */
  lastUsedFlushMs?: number
  /** A lookup that PostgreSQL has not answered within this many ms throws (the request gets 503). Default 2000. */
  timeoutMs?: number
  /** Told about background failures: a last-used flush that failed, a stored key that no longer imports. */
  onError?: (error: unknown) => void
}

/**
 * One row of the key table, as {@link PostgresKeyStore.listKeys} returns it.
 *
 * @example
 * ```ts
 * const { kid, comment, lastUsedAt, revokedAt } = (await keys.listKeys('billing'))[0]!
 * ```
 */
export interface StoredPublicKey {
  username: string
  /** The key's fingerprint, the `kid` its tokens carry. */
  kid: string
  /** The text it was added with: SPKI/PKCS#1 PEM, an OpenSSH line or a JWK. */
  publicKey: string
  comment: string | null
  createdAt: Date
  lastUsedAt: Date | null
  revokedAt: Date | null
}

interface Row {
  username: string
  kid: string
  public_key: string
  comment: string | null
  created_at: Date
  last_used_at: Date | null
  revoked_at: Date | null
}

interface Entry {
  keys: readonly PublicKey[]
  sources: readonly string[]
  expires: number
}

const MAX_USERNAME = 256
const MAX_PENDING_USES = 100_000
const COLUMNS = 'username, kid, public_key, comment, created_at, last_used_at, revoked_at'

/**
 * Public keys in PostgreSQL, the counterpart of the Python library's `PublicKey` model: rows of
 * (username, public key text, kid, comment, created_at, last_used_at, revoked_at). `getKeys` is one
 * indexed query for the user's non-revoked keys; the imported keys are cached for `cacheTtlMs`, and
 * a key whose text did not change is never parsed again, so no PEM is parsed per request.
 *
 * `last_used_at` is written in batches: pass `recordUse` as the verifier's `onVerified`, and the
 * kids it hears about are written in one UPDATE every `lastUsedFlushMs` (and on `close()`).
 *
 * @example
 * ```ts
 * const keys = new PostgresKeyStore({ pool })
 * await keys.migrate()
 * await keys.addKey('billing', fs.readFileSync('billing.pub', 'utf8'), { comment: 'billing-worker' })
 * const verifier = createVerifier({ keys, nonces, onVerified: keys.recordUse })
 * ```
 */
export class PostgresKeyStore implements KeyStore {
  private readonly pool: Queryable
  private readonly table: { sql: string; base: string }
  private readonly cacheTtlMs: number
  private readonly maxCachedUsers: number
  private readonly lastUsedFlushMs: number
  private readonly timeoutMs: number
  private readonly onError: (error: unknown) => void
  private readonly cache = new Map<string, Entry>()
  private readonly loading = new Map<string, Promise<readonly PublicKey[]>>()
  private readonly pendingUses = new Map<string, readonly [string, string]>()
  private generation = 0
  private flushTimer: ReturnType<typeof setInterval> | undefined
  private flushing: Promise<void> | undefined

  constructor(options: PostgresKeyStoreOptions) {
    this.pool = checkPool(options?.pool, 'PostgresKeyStore')
    this.table = tableName(options.table ?? 'ajwt_public_keys')
    this.cacheTtlMs = positive(options.cacheTtlMs ?? 5000, 'cacheTtlMs', true)
    this.maxCachedUsers = positive(options.maxCachedUsers ?? 10_000, 'maxCachedUsers')
    this.lastUsedFlushMs = positive(options.lastUsedFlushMs ?? 10_000, 'lastUsedFlushMs')
    this.timeoutMs = positive(options.timeoutMs ?? 2000, 'timeoutMs')
    this.onError = options.onError ?? (() => undefined)
  }

  /**
   * Creates the table and its indexes if they do not exist (idempotent, safe to run from several
   * processes at once).
   *
   * @example
   * ```ts
   * await new PostgresKeyStore({ pool }).migrate()
   * ```
   */
  async migrate(): Promise<void> {
    const { sql, base } = this.table
    // One simple-protocol query runs as one implicit transaction, serialised by the advisory lock.
    await this.pool.query(
      `SELECT pg_advisory_xact_lock(hashtext('ajwt:migrate:${sql}'));
       CREATE TABLE IF NOT EXISTS ${sql} (
         id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         username text NOT NULL CHECK (length(username) BETWEEN 1 AND ${MAX_USERNAME}),
         kid text NOT NULL,
         public_key text NOT NULL,
         comment text,
         created_at timestamptz NOT NULL DEFAULT now(),
         last_used_at timestamptz,
         revoked_at timestamptz
       );
       CREATE UNIQUE INDEX IF NOT EXISTS "${base}_active_kid" ON ${sql} (username, kid) WHERE revoked_at IS NULL;
       CREATE INDEX IF NOT EXISTS "${base}_username" ON ${sql} (username);`,
    )
  }

  /**
   * Validates a public key (it must import: Ed25519 or RSA ≥ 2048 bits) and stores it with its
   * kid. Adding a key the user already has (not revoked) returns the existing row unchanged.
   *
   * @example
   * ```ts
   * const row = await keys.addKey('billing', 'ssh-ed25519 AAAAC3Nza… billing@worker-1')
   * console.log(row.kid)
   * ```
   */
  async addKey(username: string, publicKeyText: string, options: { comment?: string } = {}): Promise<StoredPublicKey> {
    checkUsername(username)
    if (typeof publicKeyText !== 'string' || !storableText(publicKeyText)) {
      throw new AjwtError('invalid_key', 'the public key must be text: a PEM, an OpenSSH line or a JWK')
    }
    const key = await importPublicKey(publicKeyText)
    const comment = options.comment ?? key.comment ?? null
    if (comment !== null && (typeof comment !== 'string' || !storableText(comment))) {
      throw new TypeError('comment must be text')
    }
    const { sql } = this.table
    const inserted = await this.pool.query<Row>(
      `INSERT INTO ${sql} (username, kid, public_key, comment) VALUES ($1, $2, $3, $4)
       ON CONFLICT (username, kid) WHERE revoked_at IS NULL DO NOTHING RETURNING ${COLUMNS}`,
      [username, key.kid, publicKeyText.trim(), comment],
    )
    this.forget(username)
    const row =
      inserted.rows[0] ??
      (
        await this.pool.query<Row>(`SELECT ${COLUMNS} FROM ${sql} WHERE username = $1 AND kid = $2 AND revoked_at IS NULL`, [
          username,
          key.kid,
        ])
      ).rows[0]
    if (!row) throw new Error(`the key ${key.kid} of ${username} was revoked while it was being added: add it again`)
    return toStored(row)
  }

  /**
   * Revokes one key: tokens it signs stop verifying at once in this process, and within
   * `cacheTtlMs` in every other process. The row stays, with `revokedAt`, for the record.
   *
   * @returns whether a non-revoked key with this kid existed
   * @example
   * ```ts
   * await keys.revokeKey('billing', '5b1e…')
   * ```
   */
  async revokeKey(username: string, kid: string): Promise<boolean> {
    checkUsername(username)
    if (typeof kid !== 'string' || !storableText(kid)) return false
    const result = await this.pool.query(
      `UPDATE ${this.table.sql} SET revoked_at = now() WHERE username = $1 AND kid = $2 AND revoked_at IS NULL`,
      [username, kid],
    )
    this.forget(username)
    return (result.rowCount ?? 0) > 0
  }

  /**
   * Every key ever added for a user, revoked ones included (see `revokedAt`), oldest first.
   *
   * @example
   * ```ts
   * for (const k of await keys.listKeys('billing')) console.log(k.kid, k.comment, k.lastUsedAt, k.revokedAt)
   * ```
   */
  async listKeys(username: string): Promise<StoredPublicKey[]> {
    checkUsername(username)
    const { rows } = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM ${this.table.sql} WHERE username = $1 ORDER BY id`, [
      username,
    ])
    return rows.map(toStored)
  }

  /**
   * The user's non-revoked keys, imported: from the cache when it is younger than `cacheTtlMs`,
   * else from one indexed query. Throws when the database cannot answer (the request gets 503).
   *
   * @example
   * ```ts
   * const active = await keys.getKeys('billing')
   * ```
   */
  async getKeys(username: string): Promise<readonly PublicKey[]> {
    const cached = this.cache.get(username)
    if (cached && cached.expires > Date.now()) return cached.keys
    if (typeof username !== 'string' || username.length === 0 || username.length > MAX_USERNAME || !storableText(username)) {
      return []
    }
    let pending = this.loading.get(username)
    if (!pending) {
      pending = this.load(username, cached).finally(() => this.loading.delete(username))
      this.loading.set(username, pending)
    }
    return pending
  }

  /**
   * Notes that a key verified a request; the `last_used_at` of the noted keys is written in one
   * statement every `lastUsedFlushMs`. Bound to the store: pass it as the verifier's `onVerified`.
   *
   * @example
   * ```ts
   * createVerifier({ keys, nonces, onVerified: (auth) => { keys.recordUse(auth); log.info(auth.username) } })
   * ```
   */
  readonly recordUse = (auth: Pick<Auth, 'username' | 'kid'>): void => {
    if (this.pendingUses.size >= MAX_PENDING_USES) return
    this.pendingUses.set(`${auth.username}\u0000${auth.kid}`, [auth.username, auth.kid])
    if (!this.flushTimer) {
      this.flushTimer = setInterval(() => void this.flush().catch(this.onError), this.lastUsedFlushMs)
      this.flushTimer.unref?.()
    }
  }

  /**
   * Writes the pending `last_used_at` updates now (one UPDATE for all of them).
   *
   * @example
   * ```ts
   * await keys.flush()
   * ```
   */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing.catch(() => undefined)
    if (this.pendingUses.size === 0) return
    const uses = [...this.pendingUses.values()]
    this.pendingUses.clear()
    this.flushing = this.pool
      .query(
        `UPDATE ${this.table.sql} AS k SET last_used_at = now()
         FROM unnest($1::text[], $2::text[]) AS u(username, kid)
         WHERE k.username = u.username AND k.kid = u.kid`,
        [uses.map((u) => u[0]), uses.map((u) => u[1])],
      )
      .then(
        () => undefined,
        (error: unknown) => {
          for (const use of uses) {
            if (this.pendingUses.size < MAX_PENDING_USES) this.pendingUses.set(`${use[0]}\u0000${use[1]}`, use)
          }
          throw error
        },
      )
      .finally(() => {
        this.flushing = undefined
      })
    return this.flushing
  }

  /**
   * Stops the flush timer and writes what is pending. Call it before `pool.end()`.
   *
   * @example
   * ```ts
   * await keys.close()
   * await pool.end()
   * ```
   */
  async close(): Promise<void> {
    clearInterval(this.flushTimer)
    this.flushTimer = undefined
    await this.flush()
  }

  private async load(username: string, previous: Entry | undefined): Promise<readonly PublicKey[]> {
    const generation = this.generation
    const { rows } = await withTimeout(
      this.pool.query<Pick<Row, 'public_key' | 'comment'>>(
        `SELECT public_key, comment FROM ${this.table.sql} WHERE username = $1 AND revoked_at IS NULL ORDER BY id`,
        [username],
      ),
      this.timeoutMs,
      'a key lookup',
    )
    const known = new Map<string, PublicKey>()
    previous?.sources.forEach((source, i) => known.set(source, previous.keys[i]!))
    const keys: PublicKey[] = []
    const sources: string[] = []
    for (const row of rows) {
      const source = `${row.comment ?? ''}\u0000${row.public_key}`
      try {
        keys.push(known.get(source) ?? (await importPublicKey(row.public_key, row.comment === null ? {} : { comment: row.comment })))
        sources.push(source)
      } catch (error) {
        this.onError(new Error(`a stored key of ${JSON.stringify(username)} no longer imports: ${String(error)}`, { cause: error }))
      }
    }
    // The same array while nothing changed lets the verifier keep its kid index of it.
    const unchanged = previous && previous.keys.length === keys.length && keys.every((k, i) => k === previous.keys[i])
    const entry: Entry = { keys: unchanged ? previous.keys : Object.freeze(keys), sources, expires: Date.now() + this.cacheTtlMs }
    if (this.cacheTtlMs > 0 && generation === this.generation) {
      this.cache.delete(username)
      if (this.cache.size >= this.maxCachedUsers) this.cache.delete(this.cache.keys().next().value!)
      this.cache.set(username, entry)
    }
    return entry.keys
  }

  private forget(username: string): void {
    this.generation++
    this.cache.delete(username)
    this.loading.delete(username)
  }
}

function checkUsername(username: string): void {
  if (typeof username !== 'string' || username.length === 0 || username.length > MAX_USERNAME || !storableText(username)) {
    throw new TypeError(`username must be text of 1 to ${MAX_USERNAME} characters (no NUL)`)
  }
}

function toStored(row: Row): StoredPublicKey {
  return {
    username: row.username,
    kid: row.kid,
    publicKey: row.public_key,
    comment: row.comment,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  }
}
