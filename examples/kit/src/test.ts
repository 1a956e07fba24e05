// The smoke tests every Node example runs: its src/main.ts, and its src/server.ts with its
// src/client.ts as two processes, exactly as its README says to run them.
import { execFile, spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { generateKeyPair } from '@ajwt/core'
import { expect, it } from 'vitest'

const run = promisify(execFile)

/** Resolves with the first match of `pattern` in what `read()` returns, polling for up to `ms`. */
async function waitFor(read: () => string, pattern: RegExp, ms: number, what: string): Promise<RegExpExecArray> {
  const deadline = Date.now() + ms
  for (;;) {
    const match = pattern.exec(read())
    if (match) return match
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${read()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * Registers the example's smoke tests. `exampleDir` is the example's folder (holding `src/`).
 *
 * @example
 * // examples/express/src/main.test.ts
 * describeExample(new URL('..', import.meta.url))
 */
export function describeExample(exampleDir: URL): void {
  const script = (name: string) => fileURLToPath(new URL(`src/${name}`, exampleDir))

  it('runs main.ts: signed requests accepted; replay, tampered token and no token rejected; exit code 0', async () => {
    // execFile rejects on a non-zero exit code, so reaching the assertions means main.ts exited 0.
    const { stdout } = await run(process.execPath, [script('main.ts')], { timeout: 30_000 })
    expect(stdout).toMatch(/✔ 1\. signed GET \(signer\.fetch\)\s+→ 200 accepted \(expected 200\)\s+\{"user":"billing"/)
    expect(stdout).toMatch(
      /✔ 2\. signed POST with a JSON body\s+→ 201 accepted \(expected 201\)\s+\{"createdBy":"billing","invoice":\{"total":7\}\}/,
    )
    expect(stdout).toMatch(/✔ 3\. a token sent once\s+→ 200 accepted/)
    expect(stdout).toMatch(/✔ 4\. the same token again \(replay\)\s+→ 401 rejected \(expected 401\)\s+\{"error":"invalid_token"/)
    expect(stdout).toMatch(/✔ 5\. tampered token \(adds role: admin\)\s+→ 401 rejected/)
    expect(stdout).toMatch(/✔ 6\. no Authorization header\s+→ 401 rejected/)
    expect(stdout).toContain('WWW-Authenticate: JWT error="invalid_token"')
    // The precise reasons reach the server's onRejected, one per rejection, in order.
    expect([...stdout.matchAll(/server log: rejected: (\w+)/g)].map((m) => m[1])).toEqual([
      'replay',
      'invalid_signature',
      'missing_token',
    ])
    expect(stdout).not.toContain('✘')
    expect(stdout).toContain('all outcomes as expected')
  }, 40_000)

  it('runs server.ts and client.ts standalone, with key files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ajwt-example-'))
    const { privateKey, publicKey } = await generateKeyPair('ed25519')
    await writeFile(join(dir, 'billing.key'), privateKey)
    await writeFile(join(dir, 'billing.pub'), publicKey)
    let serverOutput = ''
    const server = spawn(process.execPath, [script('server.ts')], {
      env: { ...process.env, PORT: '0', AJWT_PUBLIC_KEY_FILE: join(dir, 'billing.pub') },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    })
    const collect = (chunk: Buffer) => {
      serverOutput += chunk.toString()
    }
    server.stdout.on('data', collect)
    server.stderr.on('data', collect)
    try {
      const exited = new Promise<never>((_, reject) =>
        server.once('exit', (code, signal) => reject(new Error(`server exited (${code ?? signal}): ${serverOutput}`))),
      )
      const [, url] = await Promise.race([
        waitFor(() => serverOutput, /listening on (http:\/\/127\.0\.0\.1:\d+)/, 20_000, 'the server'),
        exited,
      ])
      const { stdout } = await run(process.execPath, [script('client.ts'), url!], {
        env: { ...process.env, AJWT_PRIVATE_KEY_FILE: join(dir, 'billing.key') },
        timeout: 30_000,
      })
      expect(stdout).toMatch(/✔ 1\. signed GET \(signer\.fetch\)\s+→ 200 accepted/)
      expect(stdout).toMatch(/✔ 4\. the same token again \(replay\)\s+→ 401 rejected/)
      expect(stdout.match(/^✔/gm)).toHaveLength(6)
      expect(stdout).not.toContain('✘')
      await waitFor(() => serverOutput, /rejected: missing_token/, 5_000, 'the server log')
      expect(serverOutput).toMatch(/rejected: replay[\s\S]*rejected: invalid_signature[\s\S]*rejected: missing_token/)
    } finally {
      server.kill()
      await rm(dir, { recursive: true, force: true })
    }
  }, 40_000)
}
