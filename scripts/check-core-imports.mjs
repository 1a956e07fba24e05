// Core's sign/verify path must run unchanged in workerd: no `node:` imports anywhere in it.
// Only the node:crypto signature backend (picked by the `node` export condition) may use them.
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = new URL('../packages/core/', import.meta.url).pathname
// raw-http.ts is a test helper that describeAdapter loads only when it drives a real Node server.
const allowed = new Set(['src/backend/node.ts', 'src/testing/raw-http.ts'])
const failures = []

function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) walk(path)
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) check(path)
  }
}

const NODE_IMPORT = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](node:[^'"]+|fs|path|crypto|buffer|os|http|https|net|url)['"]/g
function check(path) {
  const rel = relative(root, path)
  if (allowed.has(rel)) return
  for (const match of readFileSync(path, 'utf8').matchAll(NODE_IMPORT)) failures.push(`${rel}: imports ${match[1]}`)
}

walk(join(root, 'src'))

// The built web entry and every chunk it reaches.
const dist = join(root, 'dist')
if (existsSync(dist)) {
  const seen = new Set()
  const visit = (file) => {
    if (seen.has(file)) return
    seen.add(file)
    const text = readFileSync(join(dist, file), 'utf8')
    for (const match of text.matchAll(NODE_IMPORT)) failures.push(`dist/${file}: imports ${match[1]}`)
    for (const match of text.matchAll(/from\s+['"]\.\/([^'"]+)['"]/g)) visit(match[1])
  }
  visit('index.js')
  visit('backend-web.js')
}

if (failures.length > 0) {
  console.error('core imports Node built-ins on its sign/verify path:\n  ' + failures.join('\n  '))
  process.exit(1)
}
console.log('core sign/verify path: no node: imports')
