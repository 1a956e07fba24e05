import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const backend = (name: string) => fileURLToPath(new URL(`./src/backend/${name}.ts`, import.meta.url))

// Both signature backends run the same tests: node:crypto (what Node users get through the
// `node` condition) and WebCrypto (what workerd, Deno and browsers get).
export default defineConfig({
  test: {
    // Limits, not assertions: a loaded CI machine must not turn slow into failed.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, resolve: { alias: { '#backend': backend('node') } }, test: { name: 'node-crypto' } },
      { extends: true, resolve: { alias: { '#backend': backend('web') } }, test: { name: 'webcrypto' } },
    ],
  },
})
