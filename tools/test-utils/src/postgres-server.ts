import { execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.ts'

/** A PostgreSQL server this test run started (and stops by its PID). */
export interface PostgresServer {
  readonly url: string
  readonly port: number
  readonly pid: number
  stop(): Promise<void>
}

function binDir(): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir
  }
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : []
  for (const version of versions) {
    const dir = join(root, version, 'bin')
    if (existsSync(join(dir, 'initdb'))) return dir
  }
  throw new Error('PostgreSQL binaries (initdb, pg_ctl) are missing: install PostgreSQL (see scripts/services.sh)')
}

/**
 * initdb + pg_ctl start on a temporary data directory, listening on 127.0.0.1 and a free port,
 * without fsync. initdb refuses root, so as root both run as the `postgres` user.
 *
 * @example
 * const postgres = await startPostgres()
 * try { … postgres.url … } finally { await postgres.stop() }
 */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = binDir()
  const asRoot = process.getuid?.() === 0
  const dir = mkdtempSync(join(tmpdir(), 'ajwt-pg-'))
  const data = join(dir, 'data')
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
    chownSync(dir, uid, gid)
  }
  const run = (command: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, command), ...args]] : [join(bin, command), args]
    execFileSync(file, argv as string[], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000, cwd: dir })
  }
  try {
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale', '--no-sync'])
    const port = await freePort()
    const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`
    run('pg_ctl', ['start', '-D', data, '-w', '-t', '30', '-l', join(dir, 'log'), '-o', options])
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0])
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      pid,
      stop: async () => {
        try {
          process.kill(pid, 'SIGINT')
          const deadline = Date.now() + 15_000
          while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
          if (alive(pid)) process.kill(pid, 'SIGKILL')
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      },
    }
  } catch (error) {
    const log = join(dir, 'log')
    const detail = existsSync(log) ? readFileSync(log, 'utf8') : ''
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`PostgreSQL did not start: ${String(error)}\n${detail}`, { cause: error })
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
