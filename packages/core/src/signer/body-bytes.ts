import { AjwtError } from '../errors/ajwt-error.ts'
import type { RequestBody } from './request-claims.ts'

const encoder = new TextEncoder()

/**
 * The bytes `fetch` sends for a body, without sending it. A FormData or a ReadableStream is
 * refused: a FormData gets a new multipart boundary each time it is serialized (the bytes signed
 * could never be the bytes sent) and a stream can be read once. `signer.fetch` binds both.
 */
export async function bodyBytes(body: RequestBody | undefined, maxBodyBytes: number): Promise<Uint8Array> {
  let bytes: Uint8Array
  if (body === undefined || body === null) return new Uint8Array(0)
  if (typeof body === 'string') bytes = encoder.encode(body)
  else if (body instanceof Uint8Array) bytes = body
  else if (body instanceof ArrayBuffer) bytes = new Uint8Array(body)
  else if (ArrayBuffer.isView(body)) bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
  else if (body instanceof URLSearchParams) bytes = encoder.encode(body.toString())
  else if (body instanceof Blob) {
    if (body.size > maxBodyBytes) throw tooLarge(maxBodyBytes)
    bytes = new Uint8Array(await body.arrayBuffer())
  } else if (body instanceof FormData || body instanceof ReadableStream) {
    throw new AjwtError(
      'invalid_options',
      `signer: a ${body instanceof FormData ? 'FormData' : 'ReadableStream'} body cannot be bound here: its bytes are only known ` +
        'as fetch sends it. Use signer.fetch(), which binds the exact bytes it sends, or pass those bytes',
    )
  } else {
    throw new AjwtError('invalid_options', 'signer: the body must be a string, bytes, a Blob or URLSearchParams')
  }
  if (bytes.byteLength > maxBodyBytes) throw tooLarge(maxBodyBytes)
  return bytes
}

export function tooLarge(maxBodyBytes: number): AjwtError {
  return new AjwtError('invalid_options', `signer: the request body is over maxBodyBytes (${maxBodyBytes} bytes): raise maxBodyBytes to sign it`)
}
