import { defineConfig } from 'vitest/config'

// The tests run the BUILT `ajwt` binary as a subprocess: the global setup builds it if needed.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
