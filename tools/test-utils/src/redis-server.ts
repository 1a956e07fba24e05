import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.ts'

/** A redis-server process this test run started (and stops by its PID). */
export interface RedisServer {
  readonly port: number
  readonly url: string
  readonly dir: string
  pid(): number
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>
  /** Starts it again on the same port and directory (after `kill`). */
  restart(): Promise<void>
  /** Stops it and removes its directory. */
  stop(): Promise<void>
}

let checked = false

/** Makes sure `redis-server` is on PATH: installs it with apt-get when root, else fails loudly. */
export function ensureRedisServer(): void {
  if (checked) return
  if (!onPath('redis-server')) {
    if (process.getuid?.() !== 0 || !onPath('apt-get')) {
      throw new Error('redis-server is not installed and cannot be installed here (need root and apt-get): run scripts/services.sh')
    }
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    try {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env, timeout: 300_000 })
    } catch {
      // a stale index can still install: the install below fails loudly if it cannot
    }
    execFileSync('apt-get', ['install', '-y', '-qq', 'redis-server'], { stdio: 'inherit', env, timeout: 300_000 })
    if (!onPath('redis-server')) throw new Error('apt-get install redis-server did not provide redis-server')
  }
  checked = true
}

function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** Resolves once `PING` answers `PONG`, or rejects after `timeoutMs`. */
export async function waitForRedis(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await ping(port)) return
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    socket.setTimeout(1000)
    let data = ''
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (chunk) => {
      data += chunk.toString()
      if (data.includes('\r\n')) {
        socket.destroy()
        resolve(data.startsWith('+PONG'))
      }
    })
    socket.on('error', () => resolve(false))
    socket.on('timeout', () => {
      socket.destroy()
      resolve(false)
    })
  })
}

/**
 * Starts a redis-server on a free loopback port, in its own temporary directory. `extraArgs` add
 * to the command line (`['--appendonly', 'yes']`, cluster options…).
 *
 * @example
 * const redis = await startRedis()
 * try { … redis.url … } finally { await redis.stop() }
 */
export async function startRedis(options: { port?: number; extraArgs?: string[] } = {}): Promise<RedisServer> {
  ensureRedisServer()
  const port = options.port ?? (await freePort())
  const dir = mkdtempSync(join(tmpdir(), 'ajwt-redis-'))
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--dir', dir, '--appendonly', 'no']
  args.push(...(options.extraArgs ?? []))
  let child: ChildProcess

  const launch = async () => {
    child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'inherit'] })
    await Promise.race([
      waitForRedis(port),
      new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)))),
    ])
  }
  const halt = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    process.kill(child.pid!, signal)
    await exited
  }

  await launch()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    pid: () => child.pid!,
    kill: () => halt('SIGKILL'),
    restart: launch,
    stop: async () => {
      await halt('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
