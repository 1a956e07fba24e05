import { defineConfig } from 'vitest/config'

// The tests run the BUILT `ajwt` binary as a subprocess: the global setup builds it if needed.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    // A limit for loaded machines (each test runs CLI processes), not an assertion.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
