import { readFile, rm, writeFile } from 'node:fs/promises'
import { CliError } from './errors.ts'

/**
 * Where a command reads and writes: the process streams for the `ajwt` binary, anything alike
 * when {@link run} is called from code.
 *
 * @example
 * ```ts
 * const io: CliIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }
 * ```
 */
export interface CliIo {
  stdin: AsyncIterable<string | Uint8Array>
  stdout: { write(chunk: string | Uint8Array): unknown }
  stderr: { write(chunk: string): unknown }
}

const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ERR_FS_EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EEXIST: 'already exists',
}

/** A file-system error in a few words, without the stack or the syscall jargon. */
export function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  return (code && FS_REASONS[code]) ?? (error instanceof Error ? error.message : String(error))
}

/** Reads command inputs from files, or from stdin for `-` (which can be read only once). */
export class InputReader {
  private stdinTaken = false
  constructor(private readonly io: CliIo) {}

  async bytes(path: string, what: string): Promise<Buffer> {
    if (path === '-') {
      if (this.stdinTaken) throw new CliError(`stdin (-) can be read only once (for the ${what})`)
      this.stdinTaken = true
      const chunks: Buffer[] = []
      for await (const chunk of this.io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk))
      return Buffer.concat(chunks)
    }
    try {
      return await readFile(path)
    } catch (error) {
      throw new CliError(`cannot read the ${what} ${JSON.stringify(path)}: ${fsReason(error)}`)
    }
  }

  async text(path: string, what: string): Promise<string> {
    return (await this.bytes(path, what)).toString('utf8')
  }

  /** A passphrase file's content, without the line break editors add at the end. */
  async passphrase(path: string | undefined): Promise<string | undefined> {
    if (path === undefined) return undefined
    return (await this.text(path, 'passphrase file')).replace(/\r?\n$/, '')
  }
}

/**
 * Creates a file that did not exist (or replaces one with `force`) with exactly `mode`. Replacing
 * unlinks first, so the new file never inherits an old mode nor writes through a symlink.
 */
export async function writeNewFile(path: string, data: string, mode: number, force: boolean): Promise<void> {
  try {
    if (force) await rm(path, { force: true })
    await writeFile(path, data, { mode, flag: 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new CliError(`${path} already exists (use --force to overwrite it)`)
    }
    throw new CliError(`cannot write ${path}: ${fsReason(error)}`)
  }
}
