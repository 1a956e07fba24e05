// A real redis-server for the RedisNonceStore configurations, on a free loopback port, stopped by PID.
import { spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createClient } from 'redis'
import { freePort, spawnOn, stop } from './processes.ts'

export interface RunningRedis {
  url: string
  /** Empties the database between runs, so that each run starts from the same state. */
  flush(): Promise<void>
  stop(): Promise<void>
}

function redisBinary(): string {
  const bin = process.env.REDIS_SERVER_BIN ?? 'redis-server'
  if (spawnSync(bin, ['--version']).status === 0) return bin
  // scripts/services.sh installs it through apt where that is possible.
  const services = fileURLToPath(new URL('../../scripts/services.sh', import.meta.url))
  const installed = spawnSync('bash', [services], { stdio: 'inherit', timeout: 600_000 })
  if (installed.status !== 0 || spawnSync(bin, ['--version']).status !== 0) {
    throw new Error('redis-server is missing and scripts/services.sh could not install it')
  }
  return bin
}

/** Starts redis-server (on `core` when given). */
export async function startRedis(core?: number): Promise<RunningRedis> {
  const bin = redisBinary()
  const dir = mkdtempSync(join(tmpdir(), 'ajwt-bench-redis-'))
  const port = await freePort()
  const child: ChildProcess = spawnOn(core, bin, ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir])
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
