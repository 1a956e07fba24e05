import { defineConfig, type UserConfig } from 'tsdown'

/**
 * The build every published package shares: one ESM entry `src/index.ts`, platform 'neutral'
 * (so dist/index.js + dist/index.d.ts, what the `exports` maps point at), types, a clean dist,
 * and `node:` imports left as imports. `overrides` replace whole top-level options.
 *
 * @example
 * // packages/<name>/tsdown.config.ts
 * export default packageConfig({ deps: { neverBundle: [/^cloudflare:/, /^@ajwt\//] } })
 */
export function packageConfig(overrides: UserConfig = {}): UserConfig {
  return defineConfig({
    entry: { index: 'src/index.ts' },
    format: 'esm',
    platform: 'neutral',
    target: 'es2023',
    dts: true,
    clean: true,
    deps: { neverBundle: [/^node:/] },
    ...overrides,
  })
}
