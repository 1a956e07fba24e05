import { defineConfig } from 'tsdown'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    'backend-node': 'src/backend/node.ts',
    'backend-web': 'src/backend/web.ts',
  },
  format: 'esm',
  platform: 'neutral',
  target: 'es2023',
  dts: true,
  clean: true,
  deps: { neverBundle: ['#backend', /^node:/, 'vitest', 'jose'] },
})
