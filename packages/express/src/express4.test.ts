import { typeErrors } from '@ajwt/test-utils/typecheck'
import express4 from 'express4'
import { describe, expect, it } from 'vitest'
import { describeExpress, type ExpressModule } from '../test/describe-express.ts'

// Express 4 at run time (express4 is npm:express@4): the suite is typed with Express 5's types,
// and the adapter's own types are compiled against @types/express 4 below.
describeExpress('Express 4', express4 as unknown as ExpressModule)

describe('@ajwt/express types on @types/express 4', () => {
  it('compiles src/index.ts and its type tests (index.test-d.ts) with express mapped to @types/express 4', () => {
    expect(typeErrors(new URL('../test/express4/tsconfig.json', import.meta.url))).toEqual([])
  })
})
