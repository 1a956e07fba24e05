import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Limits, not assertions: a loaded CI machine must not turn slow into failed.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    include: ['src/**/*.test.ts'],
    typecheck: { enabled: true, include: ['src/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
})
