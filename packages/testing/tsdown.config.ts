import { packageConfig } from '../../tsdown.shared.ts'

// @ajwt/core (and its `backend-name` subpath), jose and vitest stay imports: the suites test the
// copy of core the user's tests resolve, inside the user's own vitest run.
export default packageConfig({ deps: { neverBundle: [/^node:/, /^@ajwt\//, 'jose', 'vitest'] } })
