// Adds up the vitest summaries of every package in a turbo log and prints one closing line:
// "N passed, N failed" (", N skipped"), so a CI reader sees how many tests ran in all.
import { readFileSync } from 'node:fs'

const log = readFileSync(process.argv[2], 'utf8').replace(/\u001b\[[0-9;]*m/g, '')
const totals = { passed: 0, failed: 0, skipped: 0 }
const packages = []
for (const line of log.split('\n')) {
  const match = /^(\S+):test:\s+Tests\s+(.*)$/.exec(line)
  if (!match) continue
  const counts = { passed: 0, failed: 0, skipped: 0 }
  for (const [, n, kind] of match[2].matchAll(/(\d+) (passed|failed|skipped|todo)/g)) {
    if (kind === 'todo') counts.skipped += Number(n)
    else counts[kind] += Number(n)
  }
  for (const kind of Object.keys(totals)) totals[kind] += counts[kind]
  packages.push(`${match[1]} ${counts.passed}`)
}
console.log(`\ntests per package: ${packages.join(', ')}`)
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`)
