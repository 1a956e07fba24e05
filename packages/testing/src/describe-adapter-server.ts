import type { AdapterFetch } from './describe-adapter.ts'

/**
 * The parts of a Node `http.Server` (or `net.Server`) that {@link listenOnLoopback} uses, described
 * structurally so that `@ajwt/testing` imports nothing from `node:`.
 *
 * @example
 * ```ts
 * const server: LoopbackServer = createServer(app) // node:http
 * ```
 */
export interface LoopbackServer {
  listen(port: number, host: string, listener: () => void): unknown
  once(event: 'error', listener: (error: Error) => void): unknown
  address(): { port: number } | string | null
  close(callback?: (error?: Error) => void): unknown
  closeAllConnections?(): void
}

/**
 * A server under test, listening on 127.0.0.1: its base URL (no trailing slash) and how to stop it.
 *
 * @example
 * ```ts
 * const app: ListeningApp = await listenOnLoopback(createServer(listener))
 * await fetch(`${app.url}/whoami`)
 * await app.close()
 * ```
 */
export interface ListeningApp {
  url: string
  close(): Promise<void>
}

/**
 * Starts `server` on a free port of 127.0.0.1; `close()` drops kept-alive connections and waits
 * until the server has stopped.
 *
 * @example
 * ```ts
 * // `createServer` is node:http's.
 * describeAdapter('@ajwt/express', { body: 'any', listen: async (options) => listenOnLoopback(createServer(app(options))) })
 * ```
 */
export async function listenOnLoopback(server: LoopbackServer): Promise<ListeningApp> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the server is not listening on a TCP port')
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.()
        server.close(() => resolve())
      }),
  }
}

/**
 * One request of a superagent-style client, described structurally so that `@ajwt/testing`
 * does not depend on supertest.
 *
 * @example
 * ```ts
 * const test: SupertestRequest = request(server).post('/echo')
 * ```
 */
export interface SupertestRequest extends PromiseLike<{ status: number; headers: Record<string, string | string[]>; text: string }> {
  set(headers: Record<string, string>): SupertestRequest
  send(body: string): SupertestRequest
}

/**
 * The request builder of a superagent-style client: one method per HTTP verb.
 *
 * @example
 * ```ts
 * const agent: SupertestAgent = request(createServer(app))
 * ```
 */
export interface SupertestAgent {
  get(path: string): SupertestRequest
  post(path: string): SupertestRequest
  put(path: string): SupertestRequest
  patch(path: string): SupertestRequest
  delete(path: string): SupertestRequest
}

const VERBS = { GET: 'get', POST: 'post', PUT: 'put', PATCH: 'patch', DELETE: 'delete' } as const

/**
 * An in-process {@link AdapterFetch} over supertest (or any superagent-style client): sends the
 * method, headers and string body of `init` and returns the reply as a web `Response`.
 *
 * @example
 * ```ts
 * describeAdapter('@ajwt/koa', { body: 'any', listen, inject: (options) => supertestFetch(request(app(options).callback())) })
 * ```
 */
export function supertestFetch(agent: SupertestAgent): AdapterFetch {
  return async (path, init) => {
    const verb = VERBS[(init?.method ?? 'GET').toUpperCase() as keyof typeof VERBS]
    if (!verb) throw new TypeError(`supertestFetch: ${String(init?.method)} is not one of ${Object.keys(VERBS).join(', ')}`)
    let request = agent[verb](path).set(Object.fromEntries(new Headers(init?.headers)))
    const body = init?.body
    if (typeof body === 'string') request = request.send(body)
    else if (body !== undefined && body !== null) throw new TypeError('supertestFetch sends string bodies only')
    const res = await request
    return webResponse(res.status, res.headers, res.text)
  }
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304])

/**
 * A web `Response` from a Node-style reply (status, header record, body text), for in-process
 * clients such as supertest or `fastify.inject` that do not return one.
 *
 * @example
 * ```ts
 * const res = await app.inject({ url: '/whoami' })
 * return webResponse(res.statusCode, res.headers, res.body)
 * ```
 */
export function webResponse(
  status: number,
  headers: Readonly<Record<string, string | number | readonly string[] | undefined>>,
  body: string,
): Response {
  const out = new Headers()
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    if (Array.isArray(value)) for (const item of value as readonly string[]) out.append(name, item)
    else out.set(name, String(value))
  }
  return new Response(NULL_BODY_STATUSES.has(status) ? null : body, { status, headers: out })
}
