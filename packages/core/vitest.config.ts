import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const backend = (name: string) => fileURLToPath(new URL(`./src/backend/${name}.ts`, import.meta.url))
const source = (path: string) => fileURLToPath(new URL(path, import.meta.url))

// Both signature backends run the same tests: node:crypto (what Node users get through the
// `node` condition) and WebCrypto (what workerd, Deno and browsers get).
export default defineConfig({
  test: {
    // Limits, not assertions: a loaded CI machine must not turn slow into failed.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The conformance suites of @ajwt/testing run here from their sources, against core's sources
    // (the very modules these tests import), without a package dependency: @ajwt/testing depends
    // on @ajwt/core, and a dependency back would make the workspace graph cyclic.
    alias: [
      { find: /^@ajwt\/testing$/, replacement: source('../testing/src/index.ts') },
      { find: /^@ajwt\/core$/, replacement: source('./src/index.ts') },
      { find: /^@ajwt\/core\/backend-name$/, replacement: source('./src/backend/backend-name.ts') },
    ],
    projects: [
      { extends: true, resolve: { alias: { '#backend': backend('node') } }, test: { name: 'node-crypto' } },
      { extends: true, resolve: { alias: { '#backend': backend('web') } }, test: { name: 'webcrypto' } },
    ],
  },
})
