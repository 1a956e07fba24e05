import { isAjwtError } from '@ajwt/core'
import packageJson from '../package.json' with { type: 'json' }
import type { Command } from './command.ts'
import { fingerprint } from './commands/fingerprint.ts'
import { jwks } from './commands/jwks.ts'
import { keygen } from './commands/keygen.ts'
import { request } from './commands/request.ts'
import { sign } from './commands/sign.ts'
import { verify } from './commands/verify.ts'
import { CliError, UsageError } from './errors.ts'
import { InputReader, type CliIo } from './io.ts'

const COMMANDS: readonly Command[] = [keygen, fingerprint, sign, verify, jwks, request]

/**
 * The version of @ajwt/cli, as `ajwt --version` prints it.
 *
 * @example
 * ```ts
 * console.log(`made with @ajwt/cli ${version}`)
 * ```
 */
export const version: string = packageJson.version

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length))
  return `ajwt ${version}: asymmetric-key JWT authentication for server-to-server HTTP APIs

Usage: ajwt <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}
  ${'help'.padEnd(width)}  show this help, or a command's: ajwt help <command>

Options:
  -h, --help      show help (also after a command: ajwt sign --help)
  -v, --version   print the version

Files may be given as - for stdin. Exit status: 0 success, 1 failure (also a rejected token),
2 usage error. Errors are one line on stderr.`
}

/**
 * Runs one `ajwt` command line and resolves to its exit code: 0 success, 1 failure, 2 usage
 * error. Never throws: every error is written to `io.stderr` as one line.
 *
 * @example
 * ```ts
 * import { run } from '@ajwt/cli'
 * const code = await run(['fingerprint', 'billing.pub'])
 * ```
 */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv
  let prefix = 'ajwt'
  try {
    if (name === undefined) throw new UsageError("missing command: see 'ajwt --help'")
    if (name === '--help' || name === '-h') {
      io.stdout.write(`${overview()}\n`)
      return 0
    }
    if (name === '--version' || name === '-v') {
      io.stdout.write(`${version}\n`)
      return 0
    }
    if (name === 'help') {
      const topic = rest[0]
      const command = COMMANDS.find((c) => c.name === topic)
      if (topic !== undefined && !command) throw new UsageError(`unknown command ${JSON.stringify(topic)}: see 'ajwt --help'`)
      io.stdout.write(`${command ? command.help : overview()}\n`)
      return 0
    }
    const command = COMMANDS.find((c) => c.name === name)
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}: see 'ajwt --help'`)
    prefix = `ajwt ${command.name}`
    try {
      return await command.run(rest, { io, input: new InputReader(io) })
    } catch (error) {
      if (error instanceof UsageError) throw new UsageError(`${error.message} (see 'ajwt ${command.name} --help')`)
      throw error
    }
  } catch (error) {
    io.stderr.write(`${prefix}: ${oneLine(reason(error))}\n`)
    return error instanceof UsageError ? 2 : 1
  }
}

function reason(error: unknown): string {
  if (isAjwtError(error)) return error.detail
  if (error instanceof UsageError || error instanceof CliError) return error.message
  if (error instanceof Error) return error.message || error.name
  return String(error)
}

function oneLine(text: string): string {
  return text.replace(/\s*\n[\s\S]*$/, '').trim() || 'unknown error'
}

/**
 * The process streams, for {@link run}.
 *
 * @example
 * ```ts
 * await run(process.argv.slice(2), processIo())
 * ```
 */
export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }
}

/**
 * What the `ajwt` binary does: runs `argv` (default: the process arguments) on the process
 * streams and sets `process.exitCode`.
 *
 * @example
 * ```ts
 * import { main } from '@ajwt/cli'
 * await main(['sign', '--key', 'billing', '--user', 'billing'])
 * ```
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  const code = await run(argv, processIo())
  process.exitCode = code
  return code
}
