// `pnpm bench`: the full benchmark, results into bench/results/ (or AJWT_BENCH_OUT).
import { fileURLToPath } from 'node:url'
import { optionsFromEnv, runBench } from './bench.ts'
import { writeReports } from './report.ts'

const log = (line: string): void => {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`)
}
const options = optionsFromEnv(process.env, log)
log(
  `frameworks ${options.frameworks.join(',')} · algorithms ${options.algs.join(',')} · ${options.rounds} rounds × (${options.warmupSeconds} + ${options.seconds}) s · ${options.connections} connections`,
)
const results = await runBench(options)
const files = writeReports(results, process.env.AJWT_BENCH_OUT ?? fileURLToPath(new URL('../results', import.meta.url)))
log(`done in ${results.meta.wallSeconds} s: ${files.md}`)
const failed = results.configs.filter((c) => c.failures.length > 0 || (c.summary && c.summary.non2xx + c.summary.errors > 0))
if (failed.length) {
  log(`${failed.length} configuration(s) failed or answered non-2xx: see ${files.md}`)
  process.exitCode = 1
}
