import type { TestProject } from 'vitest/node'
import { startPostgres } from '@ajwt/test-utils/postgres-server'

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string
  }
}

/** One real PostgreSQL server for the whole run, on a free loopback port. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const postgres = await startPostgres()
  project.provide('databaseUrl', postgres.url)
  return () => postgres.stop()
}
