// A real redis-server for the RedisNonceStore configurations, on a free loopback port, stopped by PID.
import { execFileSync, type ChildProcess } from 'node:child_process'
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

export interface RunningRedisCluster {
  /** The port of the first master (a root node for the clients). */
  port: number
  stop(): Promise<void>
}

/** A three-master Redis Cluster on loopback (on `core` when given), for the claims micro-benchmark. */
export async function startRedisCluster(core?: number): Promise<RunningRedisCluster> {
  ensureRedisServer()
  const nodes: { port: number; child: ChildProcess; dir: string }[] = []
  const stopAll = async () => {
    for (const n of nodes) {
      await stop(n.child)
      rmSync(n.dir, { recursive: true, force: true })
    }
  }
  try {
    for (let i = 0; i < 3; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'ajwt-bench-cluster-'))
      const port = await freePort()
      const busPort = await freePort()
      const child = spawnOn(core, 'redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir,
        '--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'])
      child.stdout?.resume()
      child.stderr?.resume()
      nodes.push({ port, child, dir })
    }
    const deadline = Date.now() + 30_000
    const cli = (...args: string[]) => execFileSync('redis-cli', args, { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'ignore'] })
    for (const n of nodes) {
      const pong = () => {
        try {
          return cli('-p', String(n.port), 'ping').includes('PONG')
        } catch {
          return false
        }
      }
      while (!pong()) {
        if (Date.now() > deadline) throw new Error('a cluster node did not start')
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    cli('--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-yes')
    while (!nodes.every((n) => cli('-p', String(n.port), 'cluster', 'info').includes('cluster_state:ok'))) {
      if (Date.now() > deadline) throw new Error('the Redis Cluster did not reach cluster_state:ok within 30 s')
      await new Promise((r) => setTimeout(r, 100))
    }
  } catch (error) {
    await stopAll()
    throw error
  }
  return { port: nodes[0]!.port, stop: stopAll }
}
