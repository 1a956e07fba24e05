// The HTTP side of a test server that runs in its own process (see spawn-server.ts).
import { createServer, type Server } from 'node:http'
import type { Authenticate } from '@ajwt/core'

/**
 * A node:http server on a free 127.0.0.1 port that answers every request with what `authenticate`
 * decides: 200 `{ username }`, or the rejection's status, headers and body plus its `code` (for
 * the test's assertions). Once listening it prints `{"port":…}` on stdout, which `spawnServer`
 * waits for. The process exits when its parent goes away, and after 3 minutes whatever happens.
 *
 * @example
 * // test/serve.ts, started by spawnServer(new URL('../test/serve.ts', import.meta.url), env)
 * serveAuthenticator(createAuthenticator({ keys, nonces }))
 */
export function serveAuthenticator(authenticate: Authenticate): Server {
  const server = createServer((req, res) => {
    void authenticate(req.headers.authorization).then((result) => {
      if (result.ok) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ username: result.auth?.username }))
      } else {
        res
          .writeHead(result.error.status, { ...result.error.headers, 'content-type': 'application/json' })
          .end(JSON.stringify({ ...result.error.body, code: result.error.code }))
      }
    })
  })
  server.listen(0, '127.0.0.1', () => {
    const address = server.address()
    process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`)
  })
  // Never outlive the test run, whatever happens to the parent.
  setTimeout(() => process.exit(2), 180_000).unref()
  process.on('disconnect', () => process.exit(0))
  return server
}

/**
 * The clock a test server's verifier uses, from its environment: `AJWT_CLOCK_OFFSET_S` puts its
 * clock that many seconds ahead (negative: behind) of the machine's, `AJWT_TOLERANCE_S` sets its
 * tolerance. Neither set: the defaults.
 *
 * @example
 * createAuthenticator({ keys, nonces, ...clockFromEnv() })
 */
export function clockFromEnv(env: NodeJS.ProcessEnv = process.env): { now?: () => number; toleranceSeconds?: number } {
  const offset = Number(env.AJWT_CLOCK_OFFSET_S ?? 0)
  return {
    ...(offset !== 0 ? { now: () => Date.now() / 1000 + offset } : {}),
    ...(env.AJWT_TOLERANCE_S ? { toleranceSeconds: Number(env.AJWT_TOLERANCE_S) } : {}),
  }
}
