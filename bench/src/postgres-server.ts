// A real PostgreSQL for the PostgresNonceStore configurations (tools/test-utils starts it on a free
// loopback port, stopped by PID), moved to the load generator's core like redis-server.
import { execFileSync } from 'node:child_process'
import pg from 'pg'
import { PostgresNonceStore } from '@ajwt/postgres'
import { startPostgres as start } from '@ajwt/test-utils/postgres-server'
import { canPin } from './processes.ts'

export interface RunningPostgres {
  url: string
  /** Empties the nonce table between runs, so that each run starts from the same state. */
  flush(): Promise<void>
  stop(): Promise<void>
}

/** Starts PostgreSQL with the nonce table made, its postmaster and backends pinned to `core` when given. */
export async function startPostgres(core?: number): Promise<RunningPostgres> {
  const server = await start()
  // Backends fork from the postmaster and inherit its affinity.
  if (core !== undefined && canPin()) execFileSync('taskset', ['-a', '-c', '-p', String(core), String(server.pid)], { stdio: 'ignore' })
  const pool = new pg.Pool({ connectionString: server.url, max: 1 })
  // An idle client told of the server's shutdown must not become an unhandled 'error'.
  pool.on('error', () => undefined)
  try {
    await new PostgresNonceStore({ pool }).migrate()
  } catch (error) {
    await pool.end()
    await server.stop()
    throw error
  }
  return {
    url: server.url,
    flush: async () => {
      await pool.query('TRUNCATE ajwt_nonces')
    },
    stop: async () => {
      await pool.end().catch(() => undefined)
      await server.stop()
    },
  }
}
