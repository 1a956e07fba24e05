import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'

/** A server process started by a test, stopped by its PID. */
export interface ServerProcess {
  readonly url: string
  readonly pid: number
  stop(): Promise<void>
}

/**
 * Spawns `node <script>` with `env`, and waits for the `{"port":…}` line it prints once listening
 * (see `serveAuthenticator`).
 *
 * @example
 * const server = await spawnServer(new URL('../test/serve.ts', import.meta.url), { AJWT_REDIS_URL: url })
 * try { … await send(server.url, await signer.authorization()) … } finally { await server.stop() }
 */
export async function spawnServer(script: URL, env: Record<string, string>): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, [fileURLToPath(script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`${script.pathname} did not start within 20 s`)), 20_000)
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const line = out.split('\n')[0]
      if (out.includes('\n') && line) {
        clearTimeout(timer)
        resolve((JSON.parse(line) as { port: number }).port)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${script.pathname} exited with ${code} before listening`))
    })
  })
  return {
    url: `http://127.0.0.1:${port}/`,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      process.kill(child.pid!, 'SIGTERM')
      await exited
    },
  }
}

/** One request; the status and the rejection code the test server puts in its body. */
export async function send(url: string, authorization: string): Promise<{ status: number; code?: string; retryAfter?: string | null }> {
  const response = await fetch(url, { headers: { authorization }, signal: AbortSignal.timeout(10_000) })
  const body = (await response.json()) as { code?: string }
  return { status: response.status, code: body.code, retryAfter: response.headers.get('retry-after') }
}

/** Sends one `authorization` `count` times at once, to each server in turn. */
export function sendConcurrently(servers: readonly ServerProcess[], authorization: string, count: number): ReturnType<typeof send>[] {
  return Array.from({ length: count }, (_, i) => send(servers[i % servers.length]!.url, authorization))
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `condition` every 50 ms until it holds, or throws after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

/**
 * Two servers sharing one nonce store, their clocks `aheadBy` seconds ahead of and behind the
 * machine's (started with `AJWT_CLOCK_OFFSET_S`, and `AJWT_TOLERANCE_S` = `tolerance`): a token is
 * sent to the fast one as late in its window as its clock allows and must be accepted; then it is
 * replayed at the slow one, which would accept that token for `2 × aheadBy` s longer, until its
 * window has closed: every replay must be refused as a replay.
 *
 * @example
 * await expectOnceAcrossClocks(fast, slow, (time) => createSigner({ username, privateKey, now: () => time }).authorization(), 2, 5)
 */
export async function expectOnceAcrossClocks(
  fast: ServerProcess,
  slow: ServerProcess,
  signAt: (time: number) => Promise<string>,
  aheadBy: number,
  tolerance: number,
): Promise<void> {
  const authorization = await signAt(Math.floor(Date.now() / 1000 + aheadBy) - tolerance + 1)
  expect((await send(fast.url, authorization)).status).toBe(200)
  const replays: Awaited<ReturnType<typeof send>>[] = []
  let inside = false
  for (let round = 0; round < 800; round++) {
    const reply = await send(slow.url, authorization)
    replays.push(reply)
    if (reply.code === 'invalid_time' && inside) break
    inside ||= reply.code !== 'invalid_time'
    await sleep(25)
  }
  expect(replays.at(-1)?.code).toBe('invalid_time')
  expect(replays.filter((r) => r.status === 200)).toEqual([])
  // The slow server's window stayed open for seconds after the fast one's closed.
  expect(replays.filter((r) => r.code === 'replay').length).toBeGreaterThan(5)
}
