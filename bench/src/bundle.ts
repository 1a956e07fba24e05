// Worker bundle sizes: each file of bench/workers bundled the way wrangler does (esbuild, ESM,
// workerd conditions), minified, then gzipped.
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

export interface BundleSize {
  worker: string
  description: string
  minified: number
  gzip: number
  /** The biggest inputs, bytes in the minified output. */
  largest: { input: string; bytes: number }[]
}

const WORKERS: { file: string; description: string }[] = [
  { file: 'hono-bare.js', description: 'Hono, no auth (baseline)' },
  { file: 'hono-jwt.js', description: 'Hono + hono/jwt (peer: signature and exp, no replay protection)' },
  { file: 'ajwt-cloudflare.js', description: '@ajwt/cloudflare withAjwt + DurableObjectNonceStore' },
  { file: 'ajwt-hono.js', description: 'Hono + @ajwt/hono + DurableObjectNonceStore' },
]

export async function bundleSizes(): Promise<BundleSize[]> {
  const sizes: BundleSize[] = []
  for (const { file, description } of WORKERS) {
    const result = await build({
      entryPoints: [fileURLToPath(new URL(`../workers/${file}`, import.meta.url))],
      bundle: true,
      write: false,
      minify: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2024',
      conditions: ['workerd', 'worker', 'browser'],
      mainFields: ['module', 'main'],
      external: ['cloudflare:*', 'node:*'],
      logLevel: 'silent',
      metafile: true,
    })
    const inputs = Object.values(result.metafile.outputs)[0]?.inputs ?? {}
    const largest = Object.entries(inputs)
      .map(([input, { bytesInOutput }]) => ({ input: input.replace(/^.*node_modules\//, '').replace(/^(\.\.\/)+/, ''), bytes: bytesInOutput }))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 6)
    const code = result.outputFiles[0]!.contents
    sizes.push({ worker: file.replace(/\.js$/, ''), description, minified: code.byteLength, gzip: gzipSync(code, { level: 9 }).byteLength, largest })
  }
  return sizes
}
