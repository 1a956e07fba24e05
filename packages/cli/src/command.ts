import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from './errors.ts'
import type { CliIo, InputReader } from './io.ts'

/** What a command gets besides its arguments. */
export interface CommandContext {
  io: CliIo
  input: InputReader
}

/** One `ajwt <name>` command. */
export interface Command {
  name: string
  /** One line for `ajwt --help`. */
  summary: string
  /** The full text of `ajwt <name> --help`. */
  help: string
  /** Resolves to the exit code; throws UsageError/CliError/AjwtError for the top level to report. */
  run(argv: string[], context: CommandContext): Promise<number>
}

/** `parseArgs` in strict mode, with its errors turned into one-line usage errors. */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs<T>({ strict: true, ...config })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    // Node's messages span lines and end with advice about `--` that rarely applies: keep one line.
    throw new UsageError(message.replace(/\s*\n\s*/g, ' ').replace(/\s*To specify a positional argument.*$/, ''))
  }
}

/** The value of a required option, or a usage error naming it. */
export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing required option ${flag}`)
  return value
}

/** Exactly the positional arguments named, or a usage error saying what was expected. */
export function positionals(values: string[], names: readonly string[]): string[] {
  if (values.length < names.length) throw new UsageError(`missing ${names.slice(values.length).join(' ')}`)
  if (values.length > names.length) throw new UsageError(`unexpected argument ${JSON.stringify(values[names.length])}`)
  return values
}

/** A `--user` value as the protocol allows it. */
export function username(value: string | undefined): string {
  const name = required(value, '--user')
  if (name.length > 256) throw new UsageError('--user must be at most 256 characters')
  return name
}
