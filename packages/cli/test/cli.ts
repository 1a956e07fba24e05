import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'

export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url))

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs the built `ajwt` binary with `args`, feeding `input` to its stdin. */
export function ajwt(args: readonly string[], options: { input?: string; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: options.cwd, timeout: 20_000, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error)
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr })
      },
    )
    child.stdin?.end(options.input ?? '')
  })
}

/** A failure the way the CLI promises it: the exit code, one line on stderr, no stack, nothing on stdout. */
export function expectCleanFailure(result: CliResult, code: 1 | 2, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(code)
  expect(result.stdout).toBe('')
  const lines = result.stderr.split('\n').filter((line) => line !== '')
  expect(lines, result.stderr).toHaveLength(1)
  expect(lines[0]).toMatch(/^ajwt( [a-z]+)?: /)
  expect(lines[0]).toMatch(pattern)
  expect(result.stderr).not.toMatch(/^\s+at /m)
}

/** The protected header of a compact JWS, decoded independently of the code under test. */
export function tokenHeader(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>
}

/** The `kid: …` line `ajwt keygen` prints. */
export function printedKid(stdout: string): string {
  const match = /^kid: ([0-9a-f]{64})$/m.exec(stdout)
  if (!match) throw new Error(`no kid line in ${JSON.stringify(stdout)}`)
  return match[1]!
}

/** A fresh temporary directory and its removal. */
export async function tempDir(): Promise<{ dir: string; path: (name: string) => string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ajwt-cli-'))
  return { dir, path: (name) => join(dir, name), remove: () => rm(dir, { recursive: true, force: true }) }
}
