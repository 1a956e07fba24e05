import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// The BUILT @ajwt/core, on both signature backends: as Node resolves it (its `node` condition picks
// node:crypto), and with its `#backend` import pointed at the WebCrypto build (what workerd, Deno
// and browsers get).
const webBackend = fileURLToPath(new URL('./node_modules/@ajwt/core/dist/backend-web.js', import.meta.url))

export default defineConfig({
  test: {
    // Limits, not assertions: a loaded CI machine must not turn slow into failed.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    include: ['src/**/*.test.ts'],
    projects: [
      { extends: true, test: { name: 'node-crypto' } },
      { extends: true, resolve: { alias: { '#backend': webBackend } }, test: { name: 'webcrypto' } },
    ],
  },
})
