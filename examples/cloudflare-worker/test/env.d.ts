// The test-only binding set in vitest.config.ts.
declare namespace Cloudflare {
  interface Env {
    TEST_DEMO_PRIVATE_KEY: string
  }
}
