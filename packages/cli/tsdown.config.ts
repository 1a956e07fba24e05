import { defineConfig } from 'tsdown'

// platform 'node' would default to .mjs; the bin and the exports map point at .js, so the
// extensions are pinned here.
export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  format: 'esm',
  platform: 'node',
  target: 'node22',
  outExtensions: () => ({ js: '.js', dts: '.d.ts' }),
  banner: ({ fileName }) => (fileName === 'cli.js' ? '#!/usr/bin/env node' : undefined),
  dts: true,
  clean: true,
  deps: { neverBundle: [/^node:/, /^@ajwt\//] },
})
