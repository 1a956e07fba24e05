// Node only: loaded by describeAdapter (dynamic import) when it drives a real server, never by
// workerd, which drives apps in-process.
import { connect } from 'node:net'

/**
 * One HTTP/1.1 response as read off the socket.
 *
 * @example
 * ```ts
 * const [reply]: RawReply[] = await sendPipelined('http://127.0.0.1:3000', '/whoami', {}, 1)
 * ```
 */
export interface RawReply {
  status: number
  headers: Record<string, string>
  body: string
}

const HEADER_END = Buffer.from('\r\n\r\n')

/**
 * Sends `count` identical GET requests on ONE keep-alive connection, in one write (HTTP/1.1
 * pipelining: the server parses them back to back, as it would a burst from an attacker), and
 * answers the replies in order. Rejects if the server closes early or `timeoutMs` passes.
 *
 * @example
 * ```ts
 * const replies = await sendPipelined(app.url, '/whoami', { authorization }, 100)
 * expect(replies.filter((r) => r.status === 200)).toHaveLength(1)
 * ```
 */
export function sendPipelined(
  base: string,
  path: string,
  headers: Record<string, string>,
  count: number,
  timeoutMs = 20_000,
): Promise<RawReply[]> {
  const url = new URL(base)
  const lines = [`GET ${path} HTTP/1.1`, `host: ${url.host}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)]
  const request = `${lines.join('\r\n')}\r\n\r\n`
  return new Promise((resolve, reject) => {
    const replies: RawReply[] = []
    let buffer = Buffer.alloc(0)
    const socket = connect(Number(url.port), url.hostname)
    const timer = setTimeout(() => fail(new Error(`${replies.length} of ${count} pipelined replies within ${timeoutMs} ms`)), timeoutMs)
    const fail = (error: Error) => {
      clearTimeout(timer)
      socket.destroy()
      reject(error)
    }
    socket.on('connect', () => socket.write(request.repeat(count)))
    socket.on('error', fail)
    socket.on('close', () => {
      if (replies.length < count) fail(new Error(`the server closed the connection after ${replies.length} of ${count} replies`))
    })
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk])
      for (;;) {
        const parsed = parseReply(buffer)
        if (!parsed) break
        replies.push(parsed.reply)
        buffer = buffer.subarray(parsed.length)
        if (replies.length === count) {
          clearTimeout(timer)
          socket.end()
          resolve(replies)
          return
        }
      }
    })
  })
}

function parseReply(buffer: Buffer): { reply: RawReply; length: number } | undefined {
  const end = buffer.indexOf(HEADER_END)
  if (end < 0) return undefined
  const [statusLine, ...headerLines] = buffer.subarray(0, end).toString('latin1').split('\r\n')
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1])
  const headers: Record<string, string> = {}
  for (const line of headerLines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  let offset = end + HEADER_END.length
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    const parts: Buffer[] = []
    for (;;) {
      const lineEnd = buffer.indexOf('\r\n', offset)
      if (lineEnd < 0) return undefined
      const size = Number.parseInt(buffer.subarray(offset, lineEnd).toString('latin1'), 16)
      if (buffer.length < lineEnd + 2 + size + 2) return undefined
      parts.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size))
      offset = lineEnd + 2 + size + 2
      if (size === 0) return { reply: { status, headers, body: Buffer.concat(parts).toString('utf8') }, length: offset }
    }
  }
  const size = status === 204 || status === 304 ? 0 : Number(headers['content-length'] ?? 0)
  if (buffer.length < offset + size) return undefined
  return { reply: { status, headers, body: buffer.subarray(offset, offset + size).toString('utf8') }, length: offset + size }
}

/**
 * Sends one request written by hand (`head`: the request line and headers, without Host,
 * Content-Length or the blank line) with `body`, and answers its reply: for what fetch refuses to
 * send, such as a GET with a body.
 *
 * @example
 * ```ts
 * const reply = await sendRawRequest(app.url, `GET /echo HTTP/1.1\r\nauthorization: ${authorization}`, 'sneaky')
 * ```
 */
export function sendRawRequest(base: string, head: string, body: string, timeoutMs = 10_000): Promise<RawReply> {
  const url = new URL(base)
  const payload = Buffer.from(body)
  const request = Buffer.concat([
    Buffer.from(`${head}\r\nhost: ${url.host}\r\ncontent-length: ${payload.length}\r\nconnection: close\r\n\r\n`, 'latin1'),
    payload,
  ])
  return new Promise((resolve, reject) => {
    let buffer = Buffer.alloc(0)
    const socket = connect(Number(url.port), url.hostname)
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no reply within ${timeoutMs} ms`))
    }, timeoutMs)
    socket.on('connect', () => socket.write(request))
    socket.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk])
      const parsed = parseReply(buffer)
      if (!parsed) return
      clearTimeout(timer)
      socket.destroy()
      resolve(parsed.reply)
    })
  })
}
