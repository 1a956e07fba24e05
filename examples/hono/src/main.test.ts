import { execFile, spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { generateKeyPair } from '@ajwt/core'
import { expect, it } from 'vitest'

const run = promisify(execFile)

it('runs main.ts: accepted, replay rejected, tampered rejected, exit code 0', async () => {
  const main = fileURLToPath(new URL('./main.ts', import.meta.url))
  // execFile rejects on a non-zero exit code, so reaching the assertions means main.ts exited 0.
  const { stdout } = await run(process.execPath, [main], { timeout: 30_000 })
  expect(stdout).toMatch(/✔ accepted: signer\.fetch\s+→ 200 \(expected 200\)\s+\{"client":"billing"/)
  expect(stdout).toMatch(/✔ accepted: a fresh token\s+→ 200/)
  expect(stdout).toMatch(/✔ rejected: the same token again \(replay\)\s+→ 401 .*"error":"invalid_token"/)
  expect(stdout).toMatch(/✔ rejected: tampered token\s+→ 401/)
  expect(stdout).toMatch(/✔ rejected: no Authorization header\s+→ 401/)
  expect(stdout).toContain('server log (reasons the client never sees): replay, invalid_signature, missing_token')
  expect(stdout).toContain('all outcomes as expected')
  expect(stdout).not.toContain('✘')
}, 40_000)

it('runs server.ts and client.ts standalone, with key files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ajwt-example-'))
  const { privateKey, publicKey } = await generateKeyPair('ed25519')
  await writeFile(join(dir, 'billing.key'), privateKey)
  await writeFile(join(dir, 'billing.pub'), publicKey)
  const server = spawn(process.execPath, [fileURLToPath(new URL('./server.ts', import.meta.url))], {
    env: { ...process.env, PORT: '0', AJWT_PUBLIC_KEY_FILE: join(dir, 'billing.pub') },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  })
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = ''
      server.stderr.on('data', (chunk: Buffer) => {
        out += chunk.toString()
      })
      server.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
        if (match) resolve(match[1]!)
      })
      server.once('exit', (code, signal) => reject(new Error(`server exited (${code ?? signal}): ${out}`)))
    })
    const client = fileURLToPath(new URL('./client.ts', import.meta.url))
    const { stdout } = await run(process.execPath, [client, url], {
      env: { ...process.env, AJWT_PRIVATE_KEY_FILE: join(dir, 'billing.key') },
      timeout: 30_000,
    })
    expect(stdout).toMatch(/✔ accepted: signer\.fetch\s+→ 200/)
    expect(stdout).toMatch(/✔ rejected: the same token again \(replay\)\s+→ 401/)
    expect(stdout).not.toContain('✘')
  } finally {
    server.kill()
    await rm(dir, { recursive: true, force: true })
  }
}, 40_000)
