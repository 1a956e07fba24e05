import type { TestProject } from 'vitest/node'
import { startRedis } from '@ajwt/test-utils/redis-server'

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string
  }
}

/** One real redis-server for the whole run; the tests that kill Redis start their own. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await startRedis()
  project.provide('redisUrl', redis.url)
  return () => redis.stop()
}
