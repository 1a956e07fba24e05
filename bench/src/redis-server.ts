// A real redis-server for the RedisNonceStore configurations, on a free loopback port, stopped by PID.
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient } from 'redis'
import { freePort } from '@ajwt/test-utils/free-port'
import { ensureRedisServer } from '@ajwt/test-utils/redis-server'
import { spawnOn, stop } from './processes.ts'

export interface RunningRedis {
  url: string
  /** Empties the database between runs, so that each run starts from the same state. */
  flush(): Promise<void>
  stop(): Promise<void>
}

/** Starts redis-server (on `core` when given). */
export async function startRedis(core?: number): Promise<RunningRedis> {
  ensureRedisServer()
  const dir = mkdtempSync(join(tmpdir(), 'ajwt-bench-redis-'))
  const port = await freePort()
  const child: ChildProcess = spawnOn(core, 'redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir])
  child.stdout?.resume()
  child.stderr?.resume()
  const url = `redis://127.0.0.1:${port}`
  const client = createClient({ url, socket: { reconnectStrategy: false } })
  const deadline = Date.now() + 15_000
  for (;;) {
    try {
      await client.connect()
      break
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) {
        await stop(child)
        throw new Error(`redis-server did not start on port ${port}: ${String(error)}`)
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return {
    url,
    flush: async () => {
      await client.flushAll()
    },
    stop: async () => {
      await client.close().catch(() => undefined)
      await stop(child)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
