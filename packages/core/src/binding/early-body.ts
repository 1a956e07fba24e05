/**
 * Bodies announced up to this size (Content-Length) are read before the nonce is claimed, when the
 * token binds a body: a tampered copy that races ahead of the genuine request is then refused
 * without using its token up. Larger or chunked bodies are checked as they stream, after the claim.
 */
export const EARLY_BODY_BYTES = 64 * 1024

/**
 * What a request's framing headers say of its body (RFC 9112 §6.3): `'chunked'` with a
 * Transfer-Encoding, else the Content-Length as a number (NaN when unreadable: a body, size
 * unknown), or undefined when neither is there. Shared by the Node and fetch authenticators.
 */
export function announcedLength(contentLength: string | null | undefined, transferEncoding: boolean): number | 'chunked' | undefined {
  if (transferEncoding) return 'chunked'
  return typeof contentLength === 'string' ? Number(contentLength) : undefined
}

/** Whether an announced body is one to read whole before the nonce is claimed. */
export const isEarlyBody = (length: number | 'chunked' | undefined): boolean => typeof length === 'number' && length <= EARLY_BODY_BYTES
