/**
 * Every reason a request can be refused. The code is stable: log it, alert on it, test it.
 * Clients never see it (they get one generic 401 body), so it may be as precise as we like.
 *
 * @example
 * ```ts
 * createVerifier({ keys, nonces, onRejected: (error) => metrics.increment(`ajwt.rejected.${error.code}`) })
 * ```
 */
export type AjwtErrorCode =
  | 'missing_token'
  | 'invalid_scheme'
  | 'header_too_large'
  | 'malformed'
  | 'invalid_header'
  | 'invalid_algorithm'
  | 'invalid_claims'
  | 'invalid_time'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'unknown_user'
  | 'invalid_signature'
  | 'kid_required'
  | 'replay'
  | 'method_mismatch'
  | 'url_mismatch'
  | 'query_mismatch'
  | 'body_mismatch'
  | 'binding_required'
  | 'body_too_large'
  | 'store_unavailable'
  | 'invalid_key'
  | 'invalid_options'

const UNAVAILABLE: ReadonlySet<AjwtErrorCode> = new Set(['store_unavailable'])
const TOO_LARGE: ReadonlySet<AjwtErrorCode> = new Set(['body_too_large'])
// Generic on purpose: frameworks show `message` to clients.
const MESSAGES = { 401: 'Unauthorized', 413: 'Content Too Large', 503: 'Service Unavailable' } as const
const REQUEST_ERRORS: ReadonlySet<AjwtErrorCode> = new Set(['missing_token', 'invalid_scheme'])
// Thrown to the developer at setup (a bad key file, bad options), never answered to a request:
// their message is the precise reason, so that a stack trace explains itself.
const SETUP_ERRORS: ReadonlySet<AjwtErrorCode> = new Set(['invalid_key', 'invalid_options'])

/**
 * The JSON body a rejected request gets: the same for every 401, so it reveals nothing.
 *
 * @example
 * ```ts
 * res.status(error.status).set(error.headers).json(error.body) // { error: 'invalid_token', message: '…' }
 * ```
 */
export interface AjwtErrorBody {
  error: 'invalid_request' | 'invalid_token' | 'temporarily_unavailable'
  message: string
}

/**
 * The one error class of ajwt. `status` and `headers` are set so that Express, Koa and Fastify
 * render it correctly with their own error handlers; `message` is deliberately generic (frameworks
 * show it to clients) while `code` and `detail` carry the precise reason for logs. The setup
 * errors `invalid_key` and `invalid_options`, thrown to the developer and never answered to a
 * request, carry the precise reason in `message` too.
 *
 * @example
 * ```ts
 * const result = await verifier.verify(req.headers.authorization)
 * if (!result.ok) {
 *   log.warn({ code: result.error.code, detail: result.error.detail })
 *   return new Response(JSON.stringify(result.error.body), {
 *     status: result.error.status,
 *     headers: { ...result.error.headers, 'content-type': 'application/json' },
 *   })
 * }
 * ```
 */
export class AjwtError extends Error {
  override readonly name = 'AjwtError'
  readonly code: AjwtErrorCode
  /** A precise, human-readable reason for logs. Never send it to the client. */
  readonly detail: string
  /** 401; 413 for a body too large to check its binding; 503 when a store cannot answer. */
  readonly status: 401 | 413 | 503
  readonly headers: Readonly<Record<string, string>>
  /**
   * Koa and http-errors read this: a 401's message is generic and safe to show (and Koa then does
   * not log every rejected request as a server error); a 503 is logged.
   */
  readonly expose: boolean

  constructor(code: AjwtErrorCode, detail: string = code, options?: { cause?: unknown }) {
    const status = UNAVAILABLE.has(code) ? 503 : TOO_LARGE.has(code) ? 413 : 401
    super(SETUP_ERRORS.has(code) ? detail : MESSAGES[status], options)
    this.code = code
    this.detail = detail
    this.status = status
    this.expose = status < 500
    // A request's rejection is not a bug: its stack would only tell clients which check refused
    // them (Express prints stacks outside production), so it carries none.
    if (!SETUP_ERRORS.has(code)) this.stack = `${this.name}: ${this.message}`
    const body = errorBodyFor(code)
    // A 413 is not a challenge: the credentials were fine, the body was too large to check.
    this.headers =
      status === 503
        ? { 'www-authenticate': `JWT error="${body.error}"`, 'retry-after': '1' }
        : status === 413
          ? {}
          : { 'www-authenticate': `JWT error="${body.error}"` }
  }

  /** Same as `status`, for frameworks (Fastify, http-errors) that read `statusCode`. */
  get statusCode(): 401 | 413 | 503 {
    return this.status
  }

  // http-errors (Express's and Koa's body parsers) writes back the status it read from the error:
  // accept the write, keep the status that follows from the code.
  set statusCode(_status: number) {}

  /** The response body to send: identical for every 401, whatever the reason. */
  get body(): AjwtErrorBody {
    return errorBodyFor(this.code)
  }

  toJSON(): AjwtErrorBody {
    return this.body
  }

  /**
   * The same as {@link toResponse}, under the name Hono's default error handler looks for, so that
   * an AjwtError thrown while a handler reads a bound body is answered, not logged as a 500.
   *
   * @example
   * ```ts
   * app.onError((error, c) => (isAjwtError(error) ? error.getResponse() : c.text('Internal Server Error', 500)))
   * ```
   */
  getResponse(): Response {
    return this.toResponse()
  }

  /**
   * The rejection as a web `Response` (status, headers, JSON body), for fetch-style runtimes.
   *
   * @example
   * ```ts
   * const result = await verifier.verify(request.headers.get('authorization'))
   * if (!result.ok) return result.error.toResponse()
   * ```
   */
  toResponse(): Response {
    return new Response(JSON.stringify(this.body), {
      status: this.status,
      headers: { ...this.headers, 'content-type': 'application/json; charset=utf-8' },
    })
  }
}

function errorBodyFor(code: AjwtErrorCode): AjwtErrorBody {
  if (TOO_LARGE.has(code)) return { error: 'invalid_request', message: 'The request body is too large' }
  if (UNAVAILABLE.has(code)) {
    return { error: 'temporarily_unavailable', message: 'Authentication is temporarily unavailable' }
  }
  if (REQUEST_ERRORS.has(code)) return { error: 'invalid_request', message: 'JWT authentication required' }
  return { error: 'invalid_token', message: 'Invalid JWT credentials' }
}

/**
 * Whether a value is an {@link AjwtError}, also across duplicate copies of this package.
 *
 * @example
 * ```ts
 * app.use((err, req, res, next) => isAjwtError(err) ? res.status(err.status).json(err.body) : next(err))
 * ```
 */
export function isAjwtError(value: unknown): value is AjwtError {
  return value instanceof AjwtError || (value instanceof Error && value.name === 'AjwtError' && 'code' in value)
}
