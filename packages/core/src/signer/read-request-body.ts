import { concatBytes } from '../bytes/concat-bytes.ts'
import { tooLarge } from './body-bytes.ts'

/**
 * Every byte a Request's body will send (a stream is read to its end), or `null` for a request
 * without a body. Over `maxBodyBytes` the read is cancelled and an AjwtError thrown: nothing has
 * been sent yet.
 */
export async function readRequestBody(request: Request, maxBodyBytes: number): Promise<Uint8Array<ArrayBuffer> | null> {
  if (request.body === null) return null
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBodyBytes) {
      await reader.cancel().catch(() => undefined)
      throw tooLarge(maxBodyBytes)
    }
    chunks.push(value)
  }
  return concatBytes(chunks)
}
