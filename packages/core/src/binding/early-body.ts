/**
 * Bodies announced up to this size (Content-Length) are read before the nonce is claimed, when the
 * token binds a body: a tampered copy that races ahead of the genuine request is then refused
 * without using its token up. Larger or chunked bodies are checked as they stream, after the claim.
 */
export const EARLY_BODY_BYTES = 64 * 1024
