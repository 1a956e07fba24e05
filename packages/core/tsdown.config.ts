import { packageConfig } from '../../tsdown.shared.ts'

export default packageConfig({
  entry: {
    index: 'src/index.ts',
    'backend-name': 'src/backend/backend-name.ts',
    'backend-node': 'src/backend/node.ts',
    'backend-web': 'src/backend/web.ts',
    opentelemetry: 'src/opentelemetry/index.ts',
  },
  deps: { neverBundle: ['#backend', /^node:/, 'jose', '@opentelemetry/api'] },
})
