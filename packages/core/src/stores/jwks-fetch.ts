// One bounded JWKS download: a deadline over the whole exchange (headers AND body), a byte cap
// read from the stream, and no redirects. Web APIs only, so it runs unchanged in workerd.

import { concatBytes } from '../bytes/concat-bytes.ts'

/**
 * The `fetch` a `JwksKeyStore` calls: the global one, or any function of the same shape. It gets
 * `redirect: 'manual'` and an abort `signal`, and must hand back the response without following
 * redirects.
 *
 * @example
 * ```ts
 * // Node: an undici Agent whose `connect.lookup` refuses private addresses closes the DNS gap.
 * const jwksFetch: JwksFetch = (url, init) => fetch(url, { ...init, dispatcher: publicOnlyAgent })
 * ```
 */
export type JwksFetch = (url: string, init: RequestInit) => Promise<Response>

export interface JwksDownloadOptions {
  fetch: JwksFetch
  /** Milliseconds for the whole exchange. */
  timeout: number
  /** Largest body accepted, in bytes. */
  maxBytes: number
}

const noop = (): void => undefined

/** GETs `url` and returns its parsed JSON body; throws an Error saying why on any failure. */
export async function downloadJson(url: string, options: JwksDownloadOptions): Promise<unknown> {
  const signal = AbortSignal.timeout(options.timeout)
  const timedOut = () => new Error(`no complete answer within ${options.timeout} ms`)
  let onAbort = noop
  // Custom fetch functions may ignore the signal: the deadline holds whatever they do.
  const deadline = new Promise<never>((_, reject) => {
    onAbort = () => reject(timedOut())
    signal.addEventListener('abort', onAbort, { once: true })
  })
  deadline.catch(noop)
  try {
    return await Promise.race([exchange(url, signal, options), deadline])
  } catch (cause) {
    throw signal.aborted ? timedOut() : cause
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

async function exchange(url: string, signal: AbortSignal, options: JwksDownloadOptions): Promise<unknown> {
  const response = await options.fetch(url, {
    method: 'GET',
    redirect: 'manual',
    signal,
    headers: { accept: 'application/jwk-set+json, application/json' },
  })
  const refuse = (reason: string): never => {
    response.body?.cancel().catch(noop)
    throw new Error(reason)
  }
  if (response.redirected) refuse('the fetch followed a redirect: JWKS URLs must answer directly')
  if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
    refuse(`redirect (HTTP ${response.status}) refused: JWKS URLs must answer directly`)
  }
  if (!response.ok) refuse(`HTTP ${response.status}`)
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (declared > options.maxBytes) refuse(`body of ${declared} bytes exceeds the ${options.maxBytes}-byte limit`)
  const text = await readCapped(response, options.maxBytes, signal)
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new Error('the body is not JSON')
  }
}

async function readCapped(response: Response, maxBytes: number, signal: AbortSignal): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const cancel = () => void reader.cancel().catch(noop)
  signal.addEventListener('abort', cancel, { once: true })
  const chunks: Uint8Array[] = []
  let total = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      total += value.byteLength
      if (total > maxBytes) {
        cancel()
        throw new Error(`body exceeds the ${maxBytes}-byte limit`)
      }
      chunks.push(value)
    }
  } finally {
    signal.removeEventListener('abort', cancel)
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(concatBytes(chunks))
  } catch {
    throw new Error('the body is not UTF-8 text')
  }
}
