import type { Client, Pool, PoolClient } from 'pg'
import { expectTypeOf, test } from 'vitest'
import type { PostgresKeyStore, PostgresKeyStoreOptions, PostgresNonceStoreOptions, Queryable } from './index.ts'

test('a pg Pool, Client or PoolClient is accepted as `pool`', () => {
  expectTypeOf<Pool>().toExtend<Queryable>()
  expectTypeOf<Client>().toExtend<Queryable>()
  expectTypeOf<PoolClient>().toExtend<Queryable>()
  expectTypeOf<{ query(text: string): string }>().not.toExtend<Queryable>()
  expectTypeOf<PostgresKeyStoreOptions['pool']>().toEqualTypeOf<Queryable>()
  expectTypeOf<PostgresNonceStoreOptions['pool']>().toEqualTypeOf<Queryable>()
})

test('recordUse fits the verifier’s onVerified hook', () => {
  type OnVerified = NonNullable<import('@ajwt/core').VerifierOptions['onVerified']>
  expectTypeOf<PostgresKeyStore['recordUse']>().toExtend<OnVerified>()
})
