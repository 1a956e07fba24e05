import { defineConfig, type ViteUserConfig } from 'vitest/config'

/**
 * The Vitest config of a package whose tests need a real service: `test/global-setup.ts` starts
 * it once for the run (and provides its URL), the type tests `src/**\/*.test-d.ts` run too, and
 * the timeouts leave room for starting servers.
 *
 * @example
 * // packages/redis/vitest.config.ts
 * export default serviceTestConfig()
 */
export function serviceTestConfig(): ViteUserConfig {
  return defineConfig({
    test: {
      globalSetup: ['./test/global-setup.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      typecheck: { enabled: true, include: ['src/**/*.test-d.ts'] },
    },
  })
}
