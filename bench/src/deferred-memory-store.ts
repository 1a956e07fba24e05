// An experiment, not a store: `AJWT_BENCH_REDIS=$PWD/src/deferred-memory-store.ts pnpm --filter
// @ajwt/bench stores` makes the `ajwt-redis` servers use a MemoryNonceStore whose answers come one
// event-loop turn later (setImmediate), as a Redis reply does, but with no client, no socket and no
// round trip. It separates what answering later does to a server's CPU per request from what the
// Redis round trip costs (bench/README.md, "Shared stores").
import { MemoryNonceStore, type NonceClaim, type NonceStore } from '@ajwt/core'

/** Exported under the name the `ajwt-redis` server imports; its options (the client) are ignored. */
export class RedisNonceStore implements NonceStore {
  private readonly inner = new MemoryNonceStore()

  claim(claim: NonceClaim): Promise<boolean> {
    return new Promise((resolve, reject) => setImmediate(() => this.inner.claim(claim).then(resolve, reject)))
  }
}
