import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { generateKeyPair } from '@ajwt/core'
import { defineConfig } from 'vitest/config'

// Two smoke tests: the example Worker (wrangler.jsonc) inside workerd through the Vitest plugin,
// and `wrangler dev` plus the Node client script, as a user runs them. AJWT_KEYS trusts a key made
// for this run; the workerd test gets its private half through a test-only binding.
const demo = await generateKeyPair('ed25519')

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.jsonc' },
            miniflare: {
              bindings: { AJWT_KEYS: JSON.stringify({ demo: [demo.publicKey] }), TEST_DEMO_PRIVATE_KEY: demo.privateKey },
            },
          }),
        ],
        test: { name: 'workerd', include: ['test/*.test.ts'], testTimeout: 30_000 },
      },
      { test: { name: 'wrangler-dev', include: ['test/node/*.test.ts'], environment: 'node' } },
    ],
  },
})
