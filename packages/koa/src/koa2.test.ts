import { typeErrors } from '@ajwt/test-utils/typecheck'
import Koa2 from 'koa2'
import { describe, expect, it } from 'vitest'
import { describeKoa, type KoaModule } from '../test/describe-koa.ts'

// Koa 2 at run time (koa2 is npm:koa@2): the suite is typed with Koa 3's types, and the
// adapter's own types are compiled against @types/koa 2 below.
describeKoa('Koa 2', Koa2 as unknown as KoaModule)

describe('@ajwt/koa types on @types/koa 2', () => {
  it('compiles src/index.ts and its type tests (index.test-d.ts) with koa mapped to @types/koa 2', () => {
    expect(typeErrors(new URL('../test/koa2/tsconfig.json', import.meta.url))).toEqual([])
  })
})
