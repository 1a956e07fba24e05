import { announcesBody, guardNodeBody, type NodeIncomingMessage } from '../binding/guard-node-body.ts'
import { requestUrl } from '../binding/request-url.ts'
import type { BindingRequest } from '../binding/types.ts'
import { createAuthenticator, type AjwtOptions, type Authenticate, type AuthenticateResult } from './create-authenticator.ts'

/**
 * Authenticates one Node request (see {@link createNodeAuthenticator}).
 *
 * @example
 * ```ts
 * const result = await authenticate(req, req.originalUrl)
 * ```
 */
export type AuthenticateNode<Context = NodeIncomingMessage> = (
  req: NodeIncomingMessage,
  target?: string,
  context?: Context,
) => Promise<AuthenticateResult>

/**
 * The one call of a Node adapter (`@ajwt/express`, `@ajwt/koa`, `@ajwt/fastify`, or plain
 * node:http): verifies the Authorization header against the request as this server received it
 * (method; URL from the connection's scheme, the Host header and `target`, the request-target
 * before any router stripped a mount path) and guards the body from that moment: when the token
 * binds it, whoever reads `req` afterwards (a body parser) gets an error instead of a body that
 * does not match (`body_mismatch`, 401) or is over `maxBoundBodyBytes` (`body_too_large`, 413).
 *
 * Call it before anything reads the body. A body that something already read cannot be checked:
 * a token that binds one is then refused. `context` (default: `req`) is what `getToken`,
 * `onVerified` and `onRejected` receive: an adapter passes its framework's request.
 *
 * @example
 * ```ts
 * import { createNodeAuthenticator } from '@ajwt/core'
 *
 * // `createServer` is node:http's.
 *
 * const authenticate = createNodeAuthenticator({ keys, nonces, origins: ['https://api.example.com'] })
 * createServer(async (req, res) => {
 *   const result = await authenticate(req)
 *   if (!result.ok) return res.writeHead(result.error.status, result.error.headers).end(JSON.stringify(result.error.body))
 *   // reading req now yields the checked body, or fails with the AjwtError
 * })
 * ```
 */
export function createNodeAuthenticator<Context = NodeIncomingMessage>(options: AjwtOptions<Context>): AuthenticateNode<Context> {
  const authenticate = createAuthenticator(options)
  // The same middleware mounted twice (on a path and on a route) sees the request twice: it is one
  // authentication, not a replay.
  // A property of the request (cheaper per request than a WeakMap), one symbol per middleware.
  const done = Symbol('ajwt authentication')
  return (req, target, context) => {
    const seen = req as NodeIncomingMessage & { [done]?: Promise<AuthenticateResult> }
    return (seen[done] ??= authenticateOnce(authenticate, req, target ?? req.url ?? '/', context ?? (req as Context)))
  }
}

async function authenticateOnce<Context>(
  authenticate: Authenticate<Context>,
  req: NodeIncomingMessage,
  target: string,
  context: Context,
): Promise<AuthenticateResult> {
  const guard = guardNodeBody(req)
  const { headers } = req
  const authorization = headers.authorization
  const result = await authenticate(
    typeof authorization === 'string' ? authorization : undefined,
    new NodeBindingRequest(req, target, announcesBody(headers), guard.digest),
    context,
  )
  const refused = guard.settle(result.ok ? result.auth?.binding : undefined)
  const error = refused instanceof Promise ? await refused : refused
  return error ? { ok: false, error } : result
}

/**
 * The request as the verifier sees it. Its URL is built only when read, i.e. for a token that binds
 * the request (most do not, and building it cost every request ~0.2 µs). A class, not an object
 * literal with a getter: such a literal costs ~0.4 µs to create.
 */
class NodeBindingRequest implements BindingRequest {
  readonly method: string
  readonly headers: NodeIncomingMessage['headers']
  constructor(
    private readonly req: NodeIncomingMessage,
    private readonly target: string,
    readonly hasBody: boolean | undefined,
    readonly bodyDigest: BindingRequest['bodyDigest'],
  ) {
    this.method = req.method ?? 'GET'
    this.headers = req.headers
  }

  get url(): string | undefined {
    const { req } = this
    return requestUrl({ scheme: isEncrypted(req.socket) ? 'https' : 'http', host: hostOf(req.headers), target: this.target })
  }
}

function hostOf(headers: NodeIncomingMessage['headers']): string | undefined {
  // HTTP/2 has no Host header; its :authority pseudo-header takes that place.
  const host = headers.host ?? headers[':authority']
  return typeof host === 'string' ? host : undefined
}

function isEncrypted(socket: object | null | undefined): boolean {
  return (socket as { encrypted?: unknown } | null | undefined)?.encrypted === true
}
