// What npm would publish, checked: every published package (packages/*, not private) is packed
// with `pnpm pack` (as `pnpm publish` packs it: workspace: and catalog: versions replaced) and its
// tarball must hold package.json, README.md, LICENSE and the built dist/, and nothing of the
// sources' tests, TypeScript sources or build caches. Run after `pnpm build`.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = new URL('../', import.meta.url).pathname
const REPO = 'https://github.com/ajwt-dev/ajwt'

/** Packages that ship TypeScript sources on purpose (name → why). None today. */
const SHIPS_SOURCES = new Map()

/** The links of a README's prose (not of its code blocks) that npmjs.com cannot follow: relative ones. */
function relativeLinks(readme) {
  let fenced = false
  const links = []
  for (const line of readme.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced
    else if (!fenced) {
      for (const [, target] of line.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (!/^(https?:|mailto:|#)/.test(target)) links.push(target)
      }
      for (const [, target] of line.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/g)) {
        if (!/^(https?:|mailto:|#)/.test(target)) links.push(target)
      }
    }
  }
  return links
}

function check(dir, destination) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  const problems = []
  execFileSync('pnpm', ['pack', '--pack-destination', destination], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  const tarballs = readdirSync(destination).filter((file) => file.endsWith('.tgz'))
  if (tarballs.length !== 1) return { name: manifest.name, problems: [`pnpm pack made ${tarballs.length} tarballs`] }
  const tarball = join(destination, tarballs[0])
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean)
  const read = (file) => execFileSync('tar', ['-xzOf', tarball, file], { encoding: 'utf8' })

  for (const required of ['package/package.json', 'package/README.md', 'package/LICENSE']) {
    if (!files.includes(required)) problems.push(`${required} is missing`)
  }
  if (!files.some((file) => file.startsWith('package/dist/') && file.endsWith('.js'))) {
    problems.push('no package/dist/*.js: run `pnpm build` first')
  }
  for (const file of files) {
    if (/\.test(-d)?\.[cm]?[jt]sx?$|\.test\.|\.spec\./.test(file)) problems.push(`${file}: a test file`)
    else if (file.endsWith('.tsbuildinfo')) problems.push(`${file}: a build cache`)
    else if (file.startsWith('package/src/') && !SHIPS_SOURCES.has(manifest.name)) problems.push(`${file}: a source file`)
    else if (/^package\/(test|scripts)\//.test(file) || /^package\/(tsconfig[^/]*\.json|tsdown\.config\.ts|vitest\.config\.ts)$/.test(file)) {
      problems.push(`${file}: not for users`)
    }
    else if (/\.(ts|mts|cts)$/.test(file) && !/\.d\.[cm]?ts$/.test(file) && !SHIPS_SOURCES.has(manifest.name)) problems.push(`${file}: a TypeScript source`)
  }

  if (files.includes('package/package.json')) {
    const packed = JSON.parse(read('package/package.json'))
    const sections = ['dependencies', 'peerDependencies', 'optionalDependencies']
    for (const section of sections) {
      for (const [dependency, range] of Object.entries(packed[section] ?? {})) {
        if (/^(workspace|catalog):/.test(range)) problems.push(`package.json: ${section}.${dependency} is still ${range}`)
      }
    }
    if (packed.license !== 'MIT') problems.push(`package.json: license is ${packed.license}`)
    if (packed.repository?.url !== `git+${REPO}.git` || packed.repository?.directory !== dir.slice(root.length).replace(/\/$/, '')) {
      problems.push('package.json: repository is not { url: git+https://github.com/ajwt-dev/ajwt.git, directory: <its folder> }')
    }
    for (const field of ['homepage', 'bugs', 'keywords', 'description']) if (!packed[field]) problems.push(`package.json: no ${field}`)
  }
  if (files.includes('package/LICENSE') && !/^MIT License/.test(read('package/LICENSE'))) problems.push('LICENSE is not the MIT license')
  if (files.includes('package/README.md')) {
    for (const link of relativeLinks(read('package/README.md'))) problems.push(`README.md: relative link ${link} (broken on npmjs.com: use ${REPO}/tree/main/…)`)
  }
  return { name: manifest.name, files: files.length, problems }
}

const packagesDir = join(root, 'packages')
const published = readdirSync(packagesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => join(packagesDir, entry.name) + '/')
  .filter((dir) => {
    try {
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private !== true
    } catch {
      return false
    }
  })

const scratch = mkdtempSync(join(tmpdir(), 'ajwt-packs-'))
let failed = false
try {
  for (const dir of published) {
    const destination = mkdtempSync(join(scratch, 'pack-'))
    const { name, files, problems } = check(dir, destination)
    if (problems.length === 0) console.log(`check-packs: ${name}: ok (${files} files)`)
    else {
      failed = true
      for (const problem of problems) console.error(`check-packs: ${name}: ${problem}`)
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
if (published.length === 0) {
  console.error('check-packs: no published package found')
  failed = true
}
if (failed) process.exit(1)
