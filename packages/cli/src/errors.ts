/** The command was called wrongly (unknown flag, missing option): exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** The command was called rightly but could not do its work (missing file, wrong passphrase): exit code 1. */
export class CliError extends Error {
  override readonly name = 'CliError'
}
