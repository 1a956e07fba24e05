import { AjwtError } from '@ajwt/core'
import type { Pool } from 'pg'

/**
 * What the stores need of a `pg` Pool (a `pg.Client` or `PoolClient` works as well).
 *
 * @example
 * ```ts
 * const pool: Queryable = new pg.Pool({ connectionString: process.env.DATABASE_URL })
 * ```
 */
export type Queryable = Pick<Pool, 'query'>

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/

/** A table name (optionally `schema.table`), validated and quoted; `base` names its indexes. */
export function tableName(name: string): { sql: string; base: string } {
  const parts = typeof name === 'string' ? name.split('.') : []
  if (parts.length < 1 || parts.length > 2 || !parts.every((p) => IDENTIFIER.test(p))) {
    throw new AjwtError('invalid_options', `table must be a plain identifier or schema.table (letters, digits, _): ${String(name)}`)
  }
  return { sql: parts.map((p) => `"${p}"`).join('.'), base: parts[parts.length - 1]! }
}

export function checkPool(pool: unknown, store: string): Queryable {
  if (!pool || typeof (pool as Queryable).query !== 'function') {
    throw new AjwtError('invalid_options', `${store} needs \`pool\`: a pg Pool (new pg.Pool({ connectionString }))`)
  }
  return pool as Queryable
}

export function positive(value: number, name: string, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new AjwtError('invalid_options', `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number`)
  }
  return value
}

/** Rejects when `promise` has not settled within `ms` (the query itself cannot be cancelled). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  promise.catch(() => undefined)
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`PostgreSQL did not answer ${what} within ${ms} ms`)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Text PostgreSQL can store as it is: no NUL character, no lone UTF-16 surrogate. */
export function storableText(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value)
}
