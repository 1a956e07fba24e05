import { execFileSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

function newestSource(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path))
    else if (!/\.test(-d)?\.ts$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs)
  }
  return newest
}

function builtAt(): number {
  try {
    return statSync(join(root, 'dist/cli.js')).mtimeMs
  } catch {
    return 0
  }
}

// The tests run the built binary, as users do: (re)build it when it is missing or older than src/.
export default function setup(): void {
  const sources = Math.max(newestSource(join(root, 'src')), statSync(join(root, 'tsdown.config.ts')).mtimeMs)
  if (builtAt() >= sources) return
  execFileSync('pnpm', ['run', 'build'], { cwd: root, stdio: 'inherit', timeout: 120_000 })
}
