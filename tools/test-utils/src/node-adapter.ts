// What the Express and Koa adapters' suites share, so that each runs on every supported major.
import { createServer, type RequestListener } from 'node:http'
import { type AjwtOptions, createSigner, generateKeyPair, type GeneratedKeyPair, MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
import { describeAdapter, listenOnLoopback, supertestFetch } from '@ajwt/testing'
import request from 'supertest'
import { beforeAll } from 'vitest'

/**
 * `describeAdapter` for a Node app (Express, Koa) whose rejections go through the framework's
 * default error handling: `app(options)` serves `/open` outside the adapter and `/whoami` and
 * `/echo` behind it; the suite drives it through a real server and through supertest. `headerOf`
 * reads a header from what the adapter hands to `getToken` and the hooks (`req`, `ctx`).
 *
 * @example
 * describeNodeAdapter('@ajwt/koa on Koa 2', (options) => whoamiApp(Koa2, options), (ctx, name) => (ctx as Context).get(name) || undefined)
 */
export function describeNodeAdapter(
  name: string,
  app: (options: AjwtOptions) => RequestListener,
  headerOf: (context: unknown, name: string) => string | undefined,
): void {
  describeAdapter(name, {
    body: 'any',
    openPath: '/open',
    echo: true,
    headerOf,
    listen: (options) => listenOnLoopback(createServer(app(options))),
    inject: (options) => supertestFetch(request(createServer(app(options)))),
  })
}

/**
 * The keys of an adapter's own tests, made once for the enclosing `describe`: `options()` gives
 * fresh stores that know `billing`'s key, `billing()` signs with it, `stranger(username)` signs
 * as anyone with a key no store knows.
 *
 * @example
 * const { options, billing } = adapterKeys()
 * it('accepts billing', async () => { app.use(ajwt(options())); await request(app).get('/').set('authorization', await billing().authorization()) })
 */
export function adapterKeys() {
  let billing: GeneratedKeyPair
  let stranger: GeneratedKeyPair
  beforeAll(async () => {
    ;[billing, stranger] = await Promise.all([generateKeyPair('ed25519'), generateKeyPair('ed25519')])
  })
  return {
    options: () => ({ keys: new MemoryKeyStore({ billing: [billing.publicKey] }), nonces: new MemoryNonceStore() }),
    billing: () => createSigner({ username: 'billing', privateKey: billing.privateKey }),
    stranger: (username: string) => createSigner({ username, privateKey: stranger.privateKey }),
  }
}
