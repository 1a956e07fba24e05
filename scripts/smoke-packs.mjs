// The packages as users get them: every published package (packages/*, not private) is packed with
// `pnpm pack` (as `pnpm publish` packs it: workspace: and catalog: versions replaced), and for each
// adapter and each supported framework major a fresh project, in a temp dir outside the monorepo
// (no workspace node_modules in sight), `npm install`s the tarballs, the framework, typescript and
// @types/node. In it, the adapter README's server snippet and client snippet, read from the
// INSTALLED README.md (what npmjs.com shows) and changed only where they must be (the port, the
// origin, the key files), are type-checked by the project's own `tsc` (strict, nodenext) and run
// on Node (type stripping): the README client's requests must be accepted, and a signed request is
// accepted with its username echoed, the same token replayed is refused (401), a tampered token is
// refused (401) while the same token untampered is accepted, and a request without a token is
// refused (401). A CommonJS `require()` of each package runs too, and a CommonJS TypeScript
// project on the oldest TypeScript the READMEs promise (5.8) signs and verifies with @ajwt/core,
// with keys made by the packed `ajwt` CLI.
//
// Run after `pnpm build`, with Node >= 22.18 (`. scripts/toolchain.sh`). Needs the npm registry.
//   SMOKE_PACKS_ONLY=express5,koa3    run only these projects
//   SMOKE_PACKS_JOBS=4                projects set up at the same time (default 4)
//   SMOKE_PACKS_NPM_CACHE=DIR         npm cache shared by the projects and kept between runs
//                                     (default: <tmpdir>/ajwt-smoke-packs-npm-cache)
//   SMOKE_PACKS_KEEP=1                keep the temp dir (it is always kept when a project fails)
import { spawn } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const started = performance.now()
const root = fileURLToPath(new URL('../', import.meta.url))
const log = (line) => console.log(`smoke-packs: ${line}`)

/** Versions for every project: the TypeScript a new user gets, and the Node types of the Node we run on. */
const TYPESCRIPT = '*' // the highest release, as `latest` is (a tag would make `npm ls` call it invalid)
const TYPES_NODE = '24'

/**
 * One fresh project per adapter and framework major. `server`/`client`: the README sections whose
 * first ```ts block is the app. `path`: a protected route; `echo`: what it answers to `billing`.
 */
const PROJECTS = [
  ...['4', '5'].map((major) => ({
    name: `express${major}`,
    ajwt: ['@ajwt/core', '@ajwt/express'],
    dependencies: { express: major, '@types/express': major },
    readme: '@ajwt/express',
    server: 'Server',
    client: 'Client',
    path: '/api/invoices',
    echo: { user: 'billing' },
    key: major === '4' ? 'rsa' : 'ed25519',
    require: { '@ajwt/core': 'createSigner', '@ajwt/express': 'ajwt' },
  })),
  ...['2', '3'].map((major) => ({
    name: `koa${major}`,
    ajwt: ['@ajwt/core', '@ajwt/koa'],
    dependencies: { koa: major, '@types/koa': major },
    readme: '@ajwt/koa',
    server: 'Server',
    client: 'Client',
    path: '/invoices',
    echo: { user: 'billing' },
    key: major === '2' ? 'rsa' : 'ed25519',
    require: { '@ajwt/core': 'createSigner', '@ajwt/koa': 'ajwt' },
  })),
  {
    name: 'fastify5',
    ajwt: ['@ajwt/core', '@ajwt/fastify'],
    dependencies: { fastify: '5' },
    readme: '@ajwt/fastify',
    server: 'Server',
    client: 'Client',
    path: '/api/invoices',
    echo: { user: 'billing' },
    key: 'ed25519',
    require: { '@ajwt/core': 'createSigner', '@ajwt/fastify': 'ajwt' },
  },
  {
    name: 'hono4',
    ajwt: ['@ajwt/core', '@ajwt/hono'],
    dependencies: { hono: '4', '@hono/node-server': '*' },
    readme: '@ajwt/hono',
    server: 'Server',
    client: 'Client',
    path: '/api/invoices',
    echo: { user: 'billing' },
    key: 'ed25519',
    require: { '@ajwt/core': 'createSigner', '@ajwt/hono': 'ajwt' },
    // The README's app is `export default app` ("on Node: serve(…) from @hono/node-server").
    serve: [
      `import { serve } from '@hono/node-server'`,
      `import app from './app.ts'`,
      ``,
      `serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })`,
    ],
  },
  {
    name: 'cloudflare',
    ajwt: ['@ajwt/core', '@ajwt/cloudflare'],
    dependencies: { '@cloudflare/workers-types': '*' },
    readme: '@ajwt/cloudflare',
    server: 'Usage',
    client: 'Clients',
    path: '/invoices',
    echo: { hello: 'billing' },
    key: 'ed25519',
    require: { '@ajwt/core': 'createSigner' }, // @ajwt/cloudflare imports cloudflare:workers
    worker: true,
  },
  {
    name: 'core-cjs',
    ajwt: ['@ajwt/core', '@ajwt/cli'],
    dependencies: {},
    typescript: '5.8', // the oldest the READMEs promise for CommonJS (module nodenext)
    require: { '@ajwt/core': 'createSigner', '@ajwt/cli': 'run' },
    cjs: true,
  },
]

class StepError extends Error {
  constructor(step, message, output = '') {
    super(message)
    this.step = step
    this.output = output
  }
}

/** Runs a command; resolves with its output, throws a StepError naming `step` on failure. */
function run(step, command, args, { cwd, env = childEnv, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(new StepError(step, `${command}: ${error.message}`))
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve(output)
      else {
        const why = signal ? `killed (${signal}${signal === 'SIGKILL' ? `, over ${timeoutMs / 1000} s` : ''})` : `exit ${code}`
        reject(new StepError(step, `\`${[command, ...args].join(' ')}\` failed (${why}):\n${output.trim()}`, output))
      }
    })
  })
}

/** Runs `tasks` (functions returning promises) at most `jobs` at a time, in order; never rejects. */
async function pool(tasks, jobs) {
  const results = new Array(tasks.length)
  let next = 0
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++
      results[index] = await tasks[index]().then(
        (value) => ({ ok: true, value }),
        (error) => ({ ok: false, error }),
      )
    }
  }
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker))
  return results
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`

// ─── the environment ────────────────────────────────────────────────────────────────────────────

const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`smoke-packs: Node ${process.versions.node} cannot run TypeScript files: use Node >= 22.18 (\`. scripts/toolchain.sh\`)`)
  process.exit(1)
}

// Children get this Node first in PATH; npm and pnpm settings that `pnpm run` exports (npm_config_*,
// npm_command…) would configure the projects' npm, so only the network ones are kept.
const KEPT_NPM_CONFIG = new Set(['cafile', 'ca', 'registry', 'proxy', 'https_proxy', 'http_proxy', 'noproxy', 'strict_ssl'])
const npmCache = process.env.SMOKE_PACKS_NPM_CACHE || join(tmpdir(), 'ajwt-smoke-packs-npm-cache')
const childEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => {
    const npmConfig = /^npm_config_(.*)$/i.exec(name)
    if (npmConfig) return KEPT_NPM_CONFIG.has(npmConfig[1].toLowerCase())
    return !/^(npm_|pnpm_|NODE_OPTIONS$|NODE_PATH$)/i.test(name)
  }),
)
childEnv.PATH = `${dirname(process.execPath)}${process.platform === 'win32' ? ';' : ':'}${process.env.PATH}`
childEnv.npm_config_cache = npmCache
childEnv.npm_config_update_notifier = 'false'

const only = process.env.SMOKE_PACKS_ONLY?.split(',').map((name) => name.trim()).filter(Boolean)
const unknown = only?.filter((name) => !PROJECTS.some((project) => project.name === name)) ?? []
if (unknown.length > 0) {
  console.error(`smoke-packs: SMOKE_PACKS_ONLY names no project ${unknown.join(', ')} (projects: ${PROJECTS.map((p) => p.name).join(', ')})`)
  process.exit(1)
}
const projects = only ? PROJECTS.filter((project) => only.includes(project.name)) : PROJECTS
const jobs = Math.max(1, Number(process.env.SMOKE_PACKS_JOBS) || 4)

// Outside the monorepo, and with no node_modules above it that Node would resolve from.
const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'ajwt-smoke-packs-')))
if (scratch.startsWith(realpathSync(root))) {
  console.error(`smoke-packs: the temp dir ${scratch} is inside the monorepo: set TMPDIR to a directory outside it`)
  process.exit(1)
}
for (let dir = dirname(scratch); ; dir = dirname(dir)) {
  if (existsSync(join(dir, 'node_modules'))) {
    console.error(`smoke-packs: ${join(dir, 'node_modules')} would be visible to the projects: set TMPDIR elsewhere`)
    process.exit(1)
  }
  if (dirname(dir) === dir) break
}
mkdirSync(npmCache, { recursive: true })

// ─── 1. pack every published package ────────────────────────────────────────────────────────────

const packagesDir = join(root, 'packages')
const published = readdirSync(packagesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(packagesDir, entry.name, 'package.json')))
  .map((entry) => join(packagesDir, entry.name))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => manifest.private !== true)

/** package name → its tarball */
const tarballs = new Map()
const packStarted = performance.now()
const packed = await pool(
  published.map(({ dir, manifest }) => async () => {
    if (!existsSync(join(dir, 'dist'))) throw new StepError('pack', `${manifest.name} has no dist/: run \`pnpm build\` first`)
    const destination = join(scratch, 'tarballs', manifest.name.replace('/', '+'))
    mkdirSync(destination, { recursive: true })
    await run('pack', 'pnpm', ['pack', '--pack-destination', destination], { cwd: dir })
    const files = readdirSync(destination).filter((file) => file.endsWith('.tgz'))
    if (files.length !== 1) throw new StepError('pack', `pnpm pack made ${files.length} tarballs for ${manifest.name}`)
    const tarball = join(destination, files[0])
    // Every file the packed manifest points to must be in the tarball (a half-built dist/ too).
    const listed = new Set((await run('pack', 'tar', ['-tzf', tarball])).split('\n').filter(Boolean))
    const packedManifest = JSON.parse(await run('pack', 'tar', ['-xzOf', tarball, 'package/package.json']))
    const targets = (value) => (typeof value === 'string' ? [value] : value && typeof value === 'object' ? Object.values(value).flatMap(targets) : [])
    const missing = [packedManifest.exports, packedManifest.bin, packedManifest.main, packedManifest.types, packedManifest.imports]
      .flatMap(targets)
      .filter((target) => target.startsWith('./') && !target.includes('*') && !listed.has(`package/${target.slice(2)}`))
    if (missing.length > 0) {
      throw new StepError('pack', `${manifest.name}'s tarball lacks ${missing.join(', ')} that its package.json points to (run \`pnpm build\` first?)`)
    }
    tarballs.set(manifest.name, tarball)
  }),
  jobs,
)
const packFailures = packed.flatMap((result, index) => (result.ok ? [] : [[published[index].manifest.name, result.error]]))
for (const [name, error] of packFailures) console.error(`smoke-packs: ${name}: ${error.step ?? 'pack'} failed: ${error.message}`)
if (published.length === 0) console.error('smoke-packs: no published package found')
if (packFailures.length > 0 || published.length === 0) process.exit(1)
log(`packed ${published.length} packages in ${seconds(performance.now() - packStarted)} (${[...tarballs.keys()].join(', ')})`)

// ─── 2. the files of a project ──────────────────────────────────────────────────────────────────

/** The first ```ts block of a README's `## heading` section. */
function snippet(readme, heading, where) {
  const lines = readme.split('\n')
  const start = lines.findIndex((line) => line.trim() === `## ${heading}`)
  if (start < 0) throw new StepError('readme', `${where} has no "## ${heading}" section`)
  let code
  for (let i = start + 1; i < lines.length && !lines[i].startsWith('## '); i++) {
    if (code === undefined && /^```ts\s*$/.test(lines[i])) code = []
    else if (code !== undefined && /^```\s*$/.test(lines[i])) return code.join('\n')
    else if (code !== undefined) code.push(lines[i])
  }
  throw new StepError('readme', `${where}: no \`\`\`ts block in "## ${heading}"`)
}

/** `code` with each `[pattern, replacement]` applied; a pattern that matches nothing is an error. */
function edit(code, edits, where) {
  for (const [pattern, replacement] of edits) {
    if (code.search(pattern) < 0) throw new StepError('readme', `${where} no longer has ${pattern} (update scripts/smoke-packs.mjs with the README)`)
    code = code.replace(pattern, replacement)
  }
  return code
}

const README_ORIGINS = /'(?:http:\/\/127\.0\.0\.1:3000|https:\/\/api\.example\.com|https:\/\/my-api\.example\.workers\.dev)(\/[^']*)?'/g

const SERVER_PREAMBLE = [
  `// smoke-packs: the README's billingPublicKeyPem`,
  `import { readFileSync as smokeReadFileSync } from 'node:fs'`,
  `const billingPublicKeyPem = smokeReadFileSync('billing.pub', 'utf8')`,
  ``,
  `// README.md, as installed:`,
  ``,
]

/** Records every request the README client sends (and its answer), then checks the refusals. */
function clientSource(project, readmeClient) {
  return [
    `// smoke-packs: records what the README client sends; the README's billingPrivateKeyPem`,
    `import assert from 'node:assert/strict'`,
    `import { readFileSync as smokeReadFileSync } from 'node:fs'`,
    ``,
    `const billingPrivateKeyPem = smokeReadFileSync('billing.key', 'utf8')`,
    `const smokeOrigin = \`http://127.0.0.1:\${process.env.PORT}\``,
    `const smokeSent: { method: string; url: string; authorization: string | null; status: number }[] = []`,
    `const smokeFetch = globalThis.fetch`,
    `globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {`,
    `  const request = new Request(input, init)`,
    `  const response = await smokeFetch(input, init)`,
    `  smokeSent.push({ method: request.method, url: request.url, authorization: request.headers.get('authorization'), status: response.status })`,
    `  return response`,
    `}`,
    ``,
    `// README.md, as installed:`,
    ``,
    readmeClient,
    ``,
    `// smoke-packs: the checks`,
    `assert.ok(smokeSent.length > 0, 'the README client sent no request')`,
    `for (const { method, url, authorization, status } of smokeSent) {`,
    `  assert.ok(authorization?.startsWith('JWT '), \`README client: \${method} \${url} was sent without a JWT\`)`,
    `  assert.ok(status >= 200 && status < 300, \`README client: \${method} \${url} was answered \${status}\`)`,
    `}`,
    `const smokeUrl = \`\${smokeOrigin}${project.path}\``,
    `const smokeUnauthorized = async (response: Response, error: string, what: string) => {`,
    `  assert.equal(response.status, 401, \`\${what}: status\`)`,
    `  assert.equal(response.headers.get('www-authenticate'), \`JWT error="\${error}"\`, \`\${what}: WWW-Authenticate\`)`,
    `  await response.arrayBuffer()`,
    `}`,
    ``,
    `const smokeAccepted = await signer.fetch(smokeUrl)`,
    `assert.equal(smokeAccepted.status, 200, 'a signed request: status')`,
    `assert.deepEqual(await smokeAccepted.json(), ${JSON.stringify(project.echo)}, 'a signed request: the username echoed')`,
    `const smokeToken = smokeSent.at(-1)?.authorization`,
    `assert.ok(smokeToken, 'signer.fetch sent no Authorization header')`,
    ``,
    `await smokeUnauthorized(await smokeFetch(smokeUrl, { headers: { authorization: smokeToken } }), 'invalid_token', 'the same token replayed')`,
    ``,
    `const smokeFresh = await signer.authorization({ method: 'GET', url: smokeUrl })`,
    `const [smokeHeader, smokePayload, smokeSignature] = smokeFresh.slice('JWT '.length).split('.')`,
    `const smokeFlipped = smokeSignature[10] === 'A' ? 'B' : 'A'`,
    `const smokeTampered = \`JWT \${smokeHeader}.\${smokePayload}.\${smokeSignature.slice(0, 10)}\${smokeFlipped}\${smokeSignature.slice(11)}\``,
    `await smokeUnauthorized(await smokeFetch(smokeUrl, { headers: { authorization: smokeTampered } }), 'invalid_token', 'a tampered token')`,
    `const smokeUntampered = await smokeFetch(smokeUrl, { headers: { authorization: smokeFresh } })`,
    `assert.equal(smokeUntampered.status, 200, 'the tampered token, untampered: status')`,
    `await smokeUntampered.arrayBuffer()`,
    ``,
    `await smokeUnauthorized(await smokeFetch(smokeUrl), 'invalid_request', 'no token')`,
    `console.log('smoke-packs: client ok')`,
    ``,
  ].join('\n')
}

const NODE_TSCONFIG = {
  compilerOptions: {
    target: 'es2024',
    lib: ['es2024'],
    module: 'nodenext',
    moduleResolution: 'nodenext',
    types: ['node'],
    strict: true,
    noEmit: true,
    // what Node's type stripping runs
    verbatimModuleSyntax: true,
    erasableSyntaxOnly: true,
    allowImportingTsExtensions: true,
    // Declaration files are checked too, against Node's types and no DOM lib: errors in @ajwt/*
    // ones fail (see typecheck()), those in other packages' are counted, not ours to fix.
    skipLibCheck: false,
  },
}

// Run with `node --import ./smoke-hooks.mjs`: reports the port a server listens on (its snippet
// listens on port 0), and gives Node a stand-in for workerd's `cloudflare:workers`.
const HOOKS = `import { registerHooks } from 'node:module'
import net from 'node:net'

const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  this.once('listening', () => {
    const address = this.address()
    if (address && typeof address === 'object') process.stdout.write(\`smoke-packs: listening on \${address.port}\\n\`)
  })
  return listen.apply(this, args)
}

const stub = new URL('./cloudflare-workers-stub.mjs', import.meta.url).href
registerHooks({
  resolve: (specifier, context, next) => (specifier === 'cloudflare:workers' ? { url: stub, shortCircuit: true } : next(specifier, context)),
})
`

const CLOUDFLARE_WORKERS_STUB = `// What @ajwt/cloudflare takes from workerd's cloudflare:workers, for Node.
export class DurableObject {
  constructor(ctx, env) {
    this.ctx = ctx
    this.env = env
  }
}
export const env = {}
`

// The README's Worker, served on Node: its env has the keys as a JSON secret and, for the Durable
// Object namespace, a stand-in whose stubs' claim() goes to one MemoryNonceStore.
const WORKER_SERVER = `import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { Readable } from 'node:stream'
import { MemoryNonceStore } from '@ajwt/core'
import worker from './worker.ts'

const nonces = new MemoryNonceStore()
const env = {
  AJWT_KEYS: JSON.stringify({ billing: [readFileSync('billing.pub', 'utf8')] }),
  AJWT_NONCES: { idFromName: (name) => ({ name }), get: () => ({ claim: (claim) => nonces.claim(claim) }) },
}
const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} }

createServer(async (req, res) => {
  try {
    const headers = new Headers()
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1])
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Readable.toWeb(req)
    const request = new Request(\`http://\${req.headers.host}\${req.url}\`, { method: req.method, headers, body, duplex: 'half' })
    const response = await worker.fetch(request, env, ctx)
    res.writeHead(response.status, Object.fromEntries(response.headers))
    res.end(Buffer.from(await response.arrayBuffer()))
  } catch (error) {
    console.error(error)
    res.writeHead(500).end()
  }
}).listen(0, '127.0.0.1')
`

// As \`wrangler types --include-runtime=false\` writes it for the README's wrangler.jsonc.
const WORKER_ENV = `interface __BaseEnv_Env {
  AJWT_KEYS: string
  AJWT_NONCES: DurableObjectNamespace<import('./worker').NonceStoreObject>
}
declare namespace Cloudflare {
  interface Env extends __BaseEnv_Env {}
}
interface Env extends __BaseEnv_Env {}
`

// The tsconfig of the README's "TypeScript" section, with @cloudflare/workers-types.
const WORKER_TSCONFIG = {
  compilerOptions: {
    target: 'es2024',
    lib: ['es2024'],
    module: 'esnext',
    moduleResolution: 'bundler',
    types: ['@cloudflare/workers-types'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  },
  include: ['worker.ts', 'worker-configuration.d.ts'],
}

// CommonJS TypeScript (module nodenext, TypeScript >= 5.8 compiles `import` of an ES module to
// `require()`): sign with the key `ajwt keygen` wrote, verify, and refuse the replay.
const CJS_CHECK = `import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createSigner, createVerifier, MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'

async function main(): Promise<void> {
  const verifier = createVerifier({
    keys: new MemoryKeyStore({ billing: [readFileSync('billing.pub', 'utf8')] }),
    nonces: new MemoryNonceStore(),
  })
  const signer = createSigner({ username: 'billing', privateKey: readFileSync('billing', 'utf8') })
  const authorization = await signer.authorization()
  const first = await verifier.verify(authorization)
  if (!first.ok) throw new Error(\`a fresh token was refused: \${first.error.code}\`)
  assert.equal(first.auth.username, 'billing')
  const again = await verifier.verify(authorization)
  assert.equal(again.ok ? 'accepted' : again.error.code, 'replay', 'the same token verified twice')
  console.log('smoke-packs: CommonJS TypeScript ok')
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
`

const json = (value) => `${JSON.stringify(value, null, 2)}\n`

function writeProject(project, dir) {
  const dependencies = {}
  for (const name of project.ajwt) {
    if (!tarballs.has(name)) throw new StepError('pack', `${name} was not packed (is it still a published package?)`)
    dependencies[name] = `file:${tarballs.get(name)}`
  }
  Object.assign(dependencies, project.dependencies)
  const devDependencies = { typescript: project.typescript ?? TYPESCRIPT, '@types/node': TYPES_NODE }
  const type = project.cjs ? 'commonjs' : 'module'
  writeFileSync(join(dir, 'package.json'), json({ name: `smoke-${project.name}`, private: true, type, dependencies, devDependencies }))

  const requires = Object.entries(project.require)
    .map(([name, member]) => `assert.equal(typeof require(${JSON.stringify(name)})[${JSON.stringify(member)}], 'function', ${JSON.stringify(`require('${name}').${member}`)})`)
    .join('\n')
  writeFileSync(join(dir, 'require.cjs'), `const assert = require('node:assert/strict')\n${requires}\nconsole.log('smoke-packs: require ok')\n`)

  if (project.cjs) {
    writeFileSync(join(dir, 'check.cts'), CJS_CHECK)
    writeFileSync(
      join(dir, 'tsconfig.json'),
      // skipLibCheck: the declarations are checked in the other projects; here TypeScript 5.8 (not
      // native) would spend most of its time on @types/node.
      json({ compilerOptions: { target: 'es2022', module: 'nodenext', types: ['node'], strict: true, skipLibCheck: true, outDir: 'out' }, include: ['check.cts'] }),
    )
    return
  }
  const { privateKey, publicKey } =
    project.key === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } })
      : generateKeyPairSync('ed25519', { publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } })
  writeFileSync(join(dir, 'billing.key'), privateKey, { mode: 0o600 })
  writeFileSync(join(dir, 'billing.pub'), publicKey)
  writeFileSync(join(dir, 'smoke-hooks.mjs'), HOOKS)
  writeFileSync(join(dir, 'cloudflare-workers-stub.mjs'), CLOUDFLARE_WORKERS_STUB)
}

/** The README snippets, from the installed package, into server.ts (or app.ts / worker.ts) and client.ts. */
function writeApp(project, dir) {
  const readmePath = join(dir, 'node_modules', project.readme, 'README.md')
  const where = `${project.readme}'s installed README.md`
  if (!existsSync(readmePath)) throw new StepError('readme', `${where} is missing`)
  const readme = readFileSync(readmePath, 'utf8')
  const server = snippet(readme, project.server, `${where} ("## ${project.server}")`)
  const client = snippet(readme, project.client, `${where} ("## ${project.client}")`)
  const clientCode = edit(client, [[README_ORIGINS, (_, path = '') => `\`\${smokeOrigin}${path}\``]], `${where} ("## ${project.client}")`)
  writeFileSync(join(dir, 'client.ts'), clientSource(project, clientCode))

  if (project.worker) {
    writeFileSync(join(dir, 'worker.ts'), `// README.md, as installed:\n\n${server}\n`)
    writeFileSync(join(dir, 'worker-configuration.d.ts'), WORKER_ENV)
    writeFileSync(join(dir, 'tsconfig.worker.json'), json(WORKER_TSCONFIG))
    writeFileSync(join(dir, 'server.mjs'), WORKER_SERVER)
    writeFileSync(join(dir, 'tsconfig.json'), json({ ...NODE_TSCONFIG, include: ['client.ts'] }))
  } else if (project.serve) {
    writeFileSync(join(dir, 'app.ts'), [...SERVER_PREAMBLE, server, ''].join('\n'))
    writeFileSync(join(dir, 'server.ts'), `${project.serve.join('\n')}\n`)
    writeFileSync(join(dir, 'tsconfig.json'), json({ ...NODE_TSCONFIG, include: ['*.ts'] }))
  } else {
    const serverCode = edit(server, [[/\b3000\b/g, '0']], `${where} ("## ${project.server}")`)
    writeFileSync(join(dir, 'server.ts'), [...SERVER_PREAMBLE, serverCode, ''].join('\n'))
    writeFileSync(join(dir, 'tsconfig.json'), json({ ...NODE_TSCONFIG, include: ['*.ts'] }))
  }
}

/** Every @ajwt/* package in the project must be one of our tarballs (never the registry's). */
function checkInstalled(project, dir) {
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'))
  const found = new Set()
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    const name = /(?:^|\/)node_modules\/(@ajwt\/[^/]+)$/.exec(path)?.[1]
    if (!name) continue
    if (path !== `node_modules/${name}`) throw new StepError('install', `npm installed a second ${name} at ${path}`)
    if (!entry.resolved?.startsWith('file:') || !entry.resolved.endsWith('.tgz')) {
      throw new StepError('install', `${name} was installed from ${entry.resolved ?? 'the registry'}, not from its packed tarball`)
    }
    found.add(name)
  }
  for (const name of project.ajwt) if (!found.has(name)) throw new StepError('install', `${name} is not in package-lock.json`)
}

/**
 * `tsc -p config` in the project. Errors in the project's files or in @ajwt/* declarations fail;
 * errors inside other packages' declarations (hono's websocket helper needs the DOM lib) are not
 * ours to fix: they are counted and returned.
 */
async function typecheck(dir, config) {
  try {
    await run('typecheck', join(dir, 'node_modules', '.bin', 'tsc'), ['-p', config, '--pretty', 'false'], { cwd: dir })
    return 0
  } catch (error) {
    const errors = (error.output ?? '').split('\n').filter((line) => /^\S.*: error TS\d+:/.test(line))
    const ours = errors.filter((line) => !line.startsWith('node_modules/') || line.startsWith('node_modules/@ajwt/'))
    if (errors.length === 0) throw error
    if (ours.length > 0) {
      const others = errors.length - ours.length
      const ignored = others > 0 ? `\n(and ${others} in other packages' .d.ts, ignored)` : ''
      throw new StepError('typecheck', `tsc -p ${config}: ${ours.join('\n')}${ignored}`, error.output)
    }
    return errors.length
  }
}

const versionOf = (dir, name) => JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version

/** Starts `node args…` and waits for the port it reports; the caller stops it. */
function startServer(dir, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    const fail = (why) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new StepError('server', `\`node ${args.join(' ')}\` ${why}:\n${output.trim()}`))
    }
    const timer = setTimeout(() => fail('did not listen within 60 s'), 60_000)
    child.stdout.on('data', (chunk) => {
      output += chunk
      const port = /smoke-packs: listening on (\d+)/.exec(output)?.[1]
      if (port) {
        clearTimeout(timer)
        resolve({ port, output: () => output, stop: () => stop(child) })
      }
    })
    child.stderr.on('data', (chunk) => (output += chunk))
    child.on('error', (error) => fail(`could not start (${error.message})`))
    child.on('exit', (code, signal) => fail(`exited (${signal ?? `exit ${code}`}) before listening`))
  })
}

function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.removeAllListeners('exit')
    child.once('exit', resolve)
    child.kill('SIGTERM')
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref()
  })
}

// ─── 3. each project: install, type-check, run ──────────────────────────────────────────────────

async function smoke(project) {
  const dir = join(scratch, project.name)
  mkdirSync(dir)
  const times = {}
  let t = performance.now()
  const lap = (name) => {
    const now = performance.now()
    times[name] = now - t
    t = now
  }

  writeProject(project, dir)
  const install = () =>
    run('install', 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', '--include=dev'], { cwd: dir, timeoutMs: 240_000 })
  // Once more after a network hiccup; never after a resolution error (a peer range, a missing version).
  await install().catch((error) => (/ERESOLVE|ETARGET|E404|EBADENGINE/.test(error.output ?? '') ? Promise.reject(error) : install()))
  checkInstalled(project, dir)
  // A dependency or peer dependency that does not match its range (an optional peer npm let through).
  await run('install', 'npm', ['ls', '--all'], { cwd: dir })
  lap('install')

  const node = process.execPath
  let foreign = 0
  if (project.cjs) {
    await run('cli', node, ['node_modules/.bin/ajwt', 'keygen', '--out', 'billing'], { cwd: dir })
    foreign += await typecheck(dir, 'tsconfig.json')
    lap('typecheck')
    await run('require', node, ['require.cjs'], { cwd: dir })
    await run('run', node, ['out/check.cjs'], { cwd: dir })
    lap('run')
  } else {
    writeApp(project, dir)
    foreign += await typecheck(dir, 'tsconfig.json')
    if (project.worker) foreign += await typecheck(dir, 'tsconfig.worker.json')
    lap('typecheck')
    await run('require', node, ['require.cjs'], { cwd: dir })
    const server = await startServer(dir, ['--import', './smoke-hooks.mjs', project.worker ? 'server.mjs' : 'server.ts'], childEnv)
    try {
      const env = { ...childEnv, PORT: server.port, AJWT_PRIVATE_KEY: readFileSync(join(dir, 'billing.key'), 'utf8') }
      await run('client', node, ['client.ts'], { cwd: dir, env, timeoutMs: 60_000 }).catch((error) => {
        error.message += `\n--- server output ---\n${server.output().trim()}`
        throw error
      })
    } finally {
      await server.stop()
    }
    lap('run')
  }

  const versions = [...Object.keys(project.dependencies), 'typescript'].map((name) => `${name}@${versionOf(dir, name)}`)
  return { versions, times, foreign }
}

log(`${projects.length} projects in ${scratch}, ${jobs} at a time, npm cache ${npmCache}`)
const results = await pool(
  projects.map((project) => () =>
    smoke(project).then(
      (result) => {
        const { install, typecheck, run: running } = result.times
        const ignored = result.foreign ? `; ${result.foreign} errors in other packages' .d.ts ignored` : ''
        log(`ok     ${project.name.padEnd(10)} ${result.versions.join(' ')}  (install ${seconds(install)}, typecheck ${seconds(typecheck)}, run ${seconds(running)}${ignored})`)
        return result
      },
      (error) => {
        // The first line of the message, and of a failed command the first line that says why.
        const why = error.output ? error.output.match(/^.*(?:Error\b|error TS\d|npm error (?!A complete log)).*$/m)?.[0]?.trim() : undefined
        log(`FAILED ${project.name.padEnd(10)} at ${error.step ?? 'setup'}: ${error.message.split('\n')[0]}${why && !error.message.startsWith('tsc') ? ` ${why}` : ''}`)
        throw error
      },
    ),
  ),
  jobs,
)

const failures = results.flatMap((result, index) => (result.ok ? [] : [[projects[index], result.error]]))
for (const [project, error] of failures) {
  console.error(`\nsmoke-packs: ${project.name} failed at step "${error.step ?? 'setup'}" (${join(scratch, project.name)}):\n${error.stack && !error.step ? error.stack : error.message}`)
}
const total = seconds(performance.now() - started)
if (failures.length > 0) {
  console.error(`\nsmoke-packs: ${failures.length} of ${projects.length} projects failed (${failures.map(([p]) => p.name).join(', ')}) in ${total}; kept ${scratch}`)
  process.exit(1)
}
if (process.env.SMOKE_PACKS_KEEP) log(`kept ${scratch}`)
else rmSync(scratch, { recursive: true, force: true })
log(`${projects.length} projects ok in ${total}`)
