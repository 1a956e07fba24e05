import { packageConfig } from '../../tsdown.shared.ts'

// platform 'node' would default to .mjs; the bin and the exports map point at .js, so the
// extensions are pinned here.
export default packageConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  platform: 'node',
  target: 'node22',
  outExtensions: () => ({ js: '.js', dts: '.d.ts' }),
  banner: ({ fileName }) => (fileName === 'cli.js' ? '#!/usr/bin/env node' : undefined),
  deps: { neverBundle: [/^node:/, /^@ajwt\//] },
})
