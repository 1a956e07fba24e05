// `node src/profile-summary.ts <file.cpuprofile> [top]`: self time by function and by package, to
// see where a server's time goes (profiles come from AJWT_BENCH_CPU_PROF=<dir> pnpm bench).
import { readFileSync } from 'node:fs'

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[]
  samples: number[]
  timeDeltas: number[]
}

/** The package (or node: internals) a script URL belongs to. */
export function packageOf(url: string): string {
  if (url === '') return '(native / V8)'
  if (url.startsWith('node:')) return url.split('/')[0]!
  const pnpm = url.match(/node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/)
  if (pnpm) return pnpm[1]!
  const workspace = url.match(/\/(packages|bench)\/([^/]+)\//)
  if (workspace) return workspace[1] === 'bench' ? 'bench' : `@ajwt/${workspace[2]}`
  return url
}

export function summarizeProfile(profile: CpuProfile): { byFunction: [string, number][]; byPackage: [string, number][]; totalMs: number } {
  const self = new Map<number, number>()
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
  const byFunction = new Map<string, number>()
  const byPackage = new Map<string, number>()
  let total = 0
  for (const node of profile.nodes) {
    const micros = self.get(node.id) ?? 0
    if (micros === 0) continue
    const { functionName, url, lineNumber } = node.callFrame
    if (functionName === '(idle)' || functionName === '(program)') continue
    total += micros
    const where = `${functionName || '(anonymous)'}  ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/\/work\/main\//, '')}:${lineNumber + 1}`
    byFunction.set(where, (byFunction.get(where) ?? 0) + micros)
    const pkg = functionName === '(garbage collector)' ? '(garbage collector)' : packageOf(url)
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros)
  }
  const sorted = (m: Map<string, number>): [string, number][] => [...m].sort((a, b) => b[1] - a[1])
  return { byFunction: sorted(byFunction), byPackage: sorted(byPackage), totalMs: total / 1000 }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2]
  if (!file) throw new Error('usage: node src/profile-summary.ts <file.cpuprofile> [top]')
  const top = Number(process.argv[3] ?? 25)
  const { byFunction, byPackage, totalMs } = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile)
  const pct = (micros: number): string => `${((micros / 1000 / totalMs) * 100).toFixed(1).padStart(5)} %`
  console.log(`busy ${totalMs.toFixed(0)} ms (idle excluded)\n\nby package:`)
  for (const [name, micros] of byPackage.slice(0, 15)) console.log(`${pct(micros)}  ${name}`)
  console.log('\nby function (self time):')
  for (const [name, micros] of byFunction.slice(0, top)) console.log(`${pct(micros)}  ${name}`)
}
