// Core's sign/verify path must run unchanged in workerd: no `node:` imports anywhere in it.
// Only the node:crypto signature backend (picked by the `node` export condition) may use them.
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = new URL('../packages/core/', import.meta.url).pathname
const allowed = new Set(['src/backend/node.ts'])
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

// The built web entry, the OpenTelemetry entry, and every chunk they reach. @opentelemetry/api is
// an optional peer: only the `@ajwt/core/opentelemetry` entry may import it.
const OTEL_IMPORT = /(?:from\s+|import\s*\(\s*)['"](@opentelemetry\/[^'"]+)['"]/g
const dist = join(root, 'dist')
if (existsSync(dist)) {
  const seen = new Set()
  const visit = (file, main) => {
    if (seen.has(file)) return
    seen.add(file)
    const text = readFileSync(join(dist, file), 'utf8')
    for (const match of text.matchAll(NODE_IMPORT)) failures.push(`dist/${file}: imports ${match[1]}`)
    if (main) for (const match of text.matchAll(OTEL_IMPORT)) failures.push(`dist/${file}: the main entry imports ${match[1]}`)
    for (const match of text.matchAll(/from\s+['"]\.\/([^'"]+)['"]/g)) visit(match[1], main)
  }
  visit('index.js', true)
  visit('backend-web.js', true)
  visit('backend-name.js', true)
  if (existsSync(join(dist, 'opentelemetry.js'))) visit('opentelemetry.js', false)
}

// @ajwt/testing's suites run inside workerd too: no `node:` import in its sources nor in what its
// built entry reaches statically, except raw-http.ts, which describeAdapter loads (a dynamic
// import, not followed here) only when it drives a real Node server.
const testing = new URL('../packages/testing/', import.meta.url).pathname
const testingFiles = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? testingFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  )
for (const path of testingFiles(join(testing, 'src'))) {
  const rel = relative(testing, path)
  if (!rel.endsWith('.ts') || rel.endsWith('.test.ts') || rel === 'src/raw-http.ts') continue
  for (const match of readFileSync(path, 'utf8').matchAll(NODE_IMPORT)) failures.push(`packages/testing/${rel}: imports ${match[1]}`)
}
if (existsSync(join(testing, 'dist', 'index.js'))) {
  const seen = new Set()
  const visit = (file) => {
    if (seen.has(file)) return
    seen.add(file)
    const text = readFileSync(join(testing, 'dist', file), 'utf8')
    for (const match of text.matchAll(NODE_IMPORT)) failures.push(`packages/testing/dist/${file}: imports ${match[1]}`)
    for (const match of text.matchAll(/from\s+['"]\.\/([^'"]+)['"]/g)) visit(match[1])
  }
  visit('index.js')
}

if (failures.length > 0) {
  console.error('Node built-ins imported where workerd runs (core sign/verify path, @ajwt/testing suites):\n  ' + failures.join('\n  '))
  process.exit(1)
}
console.log('core sign/verify path and @ajwt/testing suites: no node: imports')
