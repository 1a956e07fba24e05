import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'
import vectors from '../core/test/fixtures/wire-vectors.json' with { type: 'json' }

// Every test runs inside workerd, against the Worker in test/ (its Durable Objects, KV and fetch).
// AJWT_KEYS (read by EnvKeyStore) trusts one of core's wire-vector keys; the tests sign with its
// private half, so no key is committed here.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './test/wrangler.jsonc' },
      miniflare: { bindings: { AJWT_KEYS: JSON.stringify({ 'vector-ed25519': [vectors.keys.ed25519.public_spki_pem] }) } },
    }),
  ],
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    typecheck: { enabled: true, include: ['src/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
})
