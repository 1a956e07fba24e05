import { packageConfig } from '../../tsdown.shared.ts'

export default packageConfig({
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    'backend-node': 'src/backend/node.ts',
    'backend-web': 'src/backend/web.ts',
  },
  deps: { neverBundle: ['#backend', /^node:/, 'vitest', 'jose'] },
})
