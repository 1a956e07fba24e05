// The built package runs in workerd: it may import only @ajwt/core and cloudflare:* modules,
// never node: built-ins (those would need nodejs_compat and would break the WebCrypto promise).
import { readdirSync, readFileSync } from 'node:fs'

const dist = new URL('../dist/', import.meta.url)
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)["']([^"'./][^"']*)["']/g
const allowed = (specifier) => specifier === '@ajwt/core' || specifier.startsWith('cloudflare:')
const failures = []
for (const file of readdirSync(dist).filter((f) => f.endsWith('.js'))) {
  // TSDoc examples stay in the output: look at the code only.
  const code = readFileSync(new URL(file, dist), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  for (const [, specifier] of code.matchAll(IMPORT)) {
    if (!allowed(specifier)) failures.push(`dist/${file} imports ${specifier}`)
  }
}
if (failures.length > 0) {
  console.error(failures.join('\n'))
  process.exit(1)
}
console.log('dist imports only @ajwt/core and cloudflare:*')
