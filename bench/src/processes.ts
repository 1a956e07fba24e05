// Child processes pinned to a core, each with a time limit, stopped by their own PID.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { cpus } from 'node:os'

let tasksetChecked: boolean | undefined

/** `taskset` is there (util-linux) and this machine has at least two cores. */
export function canPin(): boolean {
  tasksetChecked ??= spawnSync('taskset', ['-c', '0', 'true']).status === 0 && (globalThis.navigator?.hardwareConcurrency ?? 1) >= 2
  return tasksetChecked
}

/** Spawns `command args` on `core` (when pinning is possible and wanted). */
export function spawnOn(core: number | undefined, command: string, args: readonly string[], env?: NodeJS.ProcessEnv): ChildProcess {
  const pinned = core !== undefined && canPin()
  return spawn(pinned ? 'taskset' : command, pinned ? ['-c', String(core), command, ...args] : [...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: env ?? process.env,
  })
}

/** Resolves with the first stdout line that parses as JSON; rejects on exit, or after `seconds`. */
export function firstJsonLine<T>(child: ChildProcess, seconds: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    const fail = (message: string): void => {
      cleanup()
      reject(new Error(`${what}: ${message}${err ? `\n${err.trim().slice(-2000)}` : ''}`))
    }
    const timer = setTimeout(() => {
      fail(`no answer within ${seconds} s`)
      stop(child)
    }, seconds * 1000)
    const onData = (chunk: Buffer): void => {
      out += chunk.toString()
      let newline: number
      while ((newline = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, newline)
        out = out.slice(newline + 1)
        if (line.startsWith('{')) {
          cleanup()
          // Keep draining: a child blocked on a full stdout pipe would stall the measurement.
          child.stdout?.resume()
          resolve(JSON.parse(line) as T)
          return
        }
      }
    }
    const onErr = (chunk: Buffer): void => {
      err += chunk.toString()
      if (err.length > 20000) err = err.slice(-10000)
    }
    const onExit = (code: number | null, signal: string | null): void => fail(`exited (${code ?? signal}) before answering`)
    const cleanup = (): void => {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.off('exit', onExit)
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onErr)
    child.once('exit', onExit)
  })
}

/** SIGTERM by PID, SIGKILL after a grace period; resolves when the process is gone. */
export function stop(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs)
    child.once('exit', () => {
      clearTimeout(kill)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

/**
 * CPU seconds the process has run, all threads: the sum of /proc/<pid>/task/<tid>/schedstat (ns,
 * what the scheduler counted), else utime + stime from /proc/<pid>/stat (10 ms ticks).
 */
export function cpuSecondsOf(pid: number): { seconds: number; clock: string } | undefined {
  try {
    let ns = 0
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0])
      } catch {
        // The thread ended between the listing and the read.
      }
    }
    if (ns > 0) return { seconds: ns / 1e9, clock: 'schedstat (ns), all threads' }
  } catch {
    // No schedstat: fall back to the tick counters.
  }
  const times = statTimesOf(pid)
  return times && { seconds: times.user + times.kernel, clock: '/proc/<pid>/stat utime + stime (10 ms ticks)' }
}

/**
 * Seconds the process (all threads) has run in user space (utime) and in the kernel (stime: system
 * calls, the network stack, wake-ups), from /proc/<pid>/stat (10 ms ticks, USER_HZ 100).
 */
export function statTimesOf(pid: number | undefined): { user: number; kernel: number } | undefined {
  if (pid === undefined) return undefined
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { user: Number(fields[11]) / 100, kernel: Number(fields[12]) / 100 }
  } catch {
    return undefined
  }
}

/**
 * What every report says of the machine it ran on: when, which Node and CPU, whether the
 * processes were pinned, and the load average at the start (the end is filled in later).
 */
export function machineMeta(started: number, loadStart: number[]) {
  return {
    date: new Date(started).toISOString(),
    node: process.versions.node,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    pinned: canPin(),
    loadAverage: { start: loadStart, end: [] as number[] },
  }
}

/** The report's first line: when, which Node and CPU, the load average at the start and at the end. */
export function machineLine(meta: Pick<ReturnType<typeof machineMeta>, 'date' | 'node' | 'cpu' | 'cores' | 'loadAverage'>): string {
  const load = (values: number[]) => values.map((n) => n.toFixed(1)).join(' ')
  return `${meta.date} · Node ${meta.node} · ${meta.cpu} (${meta.cores} cores) · load average at start ${load(meta.loadAverage.start)}, at end ${load(meta.loadAverage.end)}`
}
