// The example as a user runs it: `wrangler dev --ip 127.0.0.1` (offline), then the Node client
// script against it. Uses a fresh key pair; the server and its workerd are stopped by PID.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { execFile } from 'node:child_process'
import { generateKeyPair } from '@ajwt/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = new URL('../../', import.meta.url).pathname
const run = promisify(execFile)

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function waitUntilReady(child: ChildProcess, url: string, deadline: number): Promise<void> {
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${output}`)
    const up = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      () => true,
      () => false,
    )
    if (up) return
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`wrangler dev did not start in time:\n${output}`)
}

describe('wrangler dev + node src/client.ts', () => {
  let dir = ''
  let wrangler: ChildProcess | undefined
  let baseUrl = ''
  let keyFile = ''

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ajwt-cf-example-'))
    const { privateKey, publicKey } = await generateKeyPair('ed25519')
    keyFile = join(dir, 'smoke.key')
    await writeFile(keyFile, privateKey, { mode: 0o600 })
    const envFile = join(dir, 'smoke.env')
    await writeFile(envFile, `AJWT_KEYS='${JSON.stringify({ smoke: [publicKey] })}'\n`)
    const port = await freePort()
    baseUrl = `http://127.0.0.1:${port}`
    const bin = join(root, 'node_modules/.bin/wrangler')
    wrangler = spawn(
      bin,
      ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(await freePort()),
        '--env-file', envFile, '--persist-to', join(dir, 'state'), '--show-interactive-dev-session=false'],
      { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    await waitUntilReady(wrangler, baseUrl, Date.now() + 90_000)
  }, 100_000)

  afterAll(async () => {
    // detached: wrangler leads its own process group, which holds its workerd child too.
    if (wrangler?.pid && wrangler.exitCode === null) process.kill(-wrangler.pid, 'SIGTERM')
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('accepts the signed requests and rejects replay, tampering and a missing token', async () => {
    const { stdout } = await run(process.execPath, ['src/client.ts', baseUrl], {
      cwd: root,
      timeout: 60_000,
      env: { ...process.env, AJWT_PRIVATE_KEY_FILE: keyFile, AJWT_USERNAME: 'smoke' },
    })
    expect(stdout.match(/^✔/gm)).toHaveLength(6)
    expect(stdout).not.toContain('✘')
    expect(stdout).toContain('"user":"smoke"')
    expect(stdout).toContain('"createdBy":"smoke"')
  }, 70_000)
})
