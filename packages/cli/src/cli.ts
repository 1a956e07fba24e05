// `ajwt … | head` closes the pipe early: that is the reader's choice, not an error to report.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
})

try {
  // Imported dynamically so that even a broken installation (a dependency that cannot be loaded)
  // ends in one line on stderr rather than a stack trace; run() itself never throws.
  const { main } = await import('./index.ts')
  await main()
} catch (error) {
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`ajwt: cannot start: ${message.split('\n')[0]}\n`)
  process.exitCode = 1
}
