// The load generator as a child process: `node src/load.ts '<json>'`, autocannon's programmatic
// API, each request with the next unused token of the pool. Prints one JSON result line.
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'
import { statTimesOf } from './processes.ts'
import { tokenLoad, type PoolCursor } from './token-load.ts'

export interface LoadConfig {
  url: string
  tokensFile: string
  scheme: string
  connections: number
  warmupSeconds: number
  seconds: number
  /** The server's PID, to read the CPU time it spends on the measured run (Linux /proc). */
  serverPid?: number
  /** Reuse tokens round-robin (for the route without auth, which never looks at them). */
  recycle?: boolean
}

export interface LoadResult {
  requests: number
  seconds: number
  rps: number
  p50: number
  p90: number
  p99: number
  max: number
  non2xx: number
  errors: number
  timeouts: number
  /** The run stopped before its time because the token pool ran out. */
  poolLimited: boolean
  tokensUsed: number
  statusCodes: Record<string, number>
  /** CPU seconds (user + system, all threads) the server process used during the measured run. */
  cpuSeconds?: number
  /** requests / cpuSeconds: throughput per core-second actually given to the server, steadier than req/s on a shared machine. */
  rpsPerCpu?: number
  /** Of cpuSeconds, the seconds spent in the kernel (stime): system calls, the network stack, wake-ups. */
  kernelSeconds?: number
}

const config = JSON.parse(process.argv[2] ?? '{}') as LoadConfig
const tokens = readFileSync(config.tokensFile, 'utf8').split('\n')
const prefix = `${config.scheme} `
const cursor: PoolCursor = { next: 0 }

const percentile = (sorted: Float64Array, p: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

async function run(seconds: number, record: boolean): Promise<LoadResult> {
  const latencies: number[] = []
  const instance = autocannon(tokenLoad(config.url, tokens, cursor, { connections: config.connections, seconds, prefix, recycle: config.recycle }))
  if (record) instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime))
  const cpuBefore = statTimesOf(config.serverPid)
  const result = await instance
  const cpuAfter = statTimesOf(config.serverPid)
  const sorted = Float64Array.from(latencies).sort()
  const requests = result.requests.total
  const statusCodes: Record<string, number> = {}
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count
  const kernelSeconds = cpuBefore && cpuAfter ? cpuAfter.kernel - cpuBefore.kernel : 0
  const cpuSeconds = cpuBefore && cpuAfter ? cpuAfter.user - cpuBefore.user + kernelSeconds : 0
  return {
    ...(cpuSeconds > 0 ? { cpuSeconds, kernelSeconds, rpsPerCpu: requests / cpuSeconds } : {}),
    requests,
    seconds: result.duration,
    rps: requests / result.duration,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : 0,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    poolLimited: result.duration < seconds - 0.2,
    tokensUsed: cursor.next,
    statusCodes,
  }
}

if (config.warmupSeconds > 0) await run(config.warmupSeconds, false)
const result = await run(config.seconds, true)
process.stdout.write(`${JSON.stringify(result)}\n`)
