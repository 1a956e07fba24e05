// A key server as a Worker route: GET /jwks/… answers what a user's JWKS URL may answer, good or
// bad, so that JwksKeyStore is exercised inside workerd against a real fetch handler.
//
//   /jwks/<user>.json             the document published in KV under `ajwt:jwks:<user>` (404 if
//                                 none); 500 while KV holds `ajwt:jwks-outage:<user>`
//   /jwks/redirect/<user>.json    302 to /jwks/<user>.json
//   /jwks/padded/<bytes>.json     an empty JWKS padded to <bytes> bytes; `?stream` sends it in
//                                 chunks without Content-Length
//   /jwks/slow/headers.json       answers only after a second
//   /jwks/slow/body.json          sends its headers and the start of the body, then stalls a second

const SLOW_MS = 1000

const json = (body: string, init: ResponseInit = {}) =>
  new Response(body, { ...init, headers: { 'content-type': 'application/jwk-set+json', ...init.headers } })

const later = <T>(make: () => T) => new Promise<T>((resolve) => setTimeout(() => resolve(make()), SLOW_MS))

function padded(bytes: number): string {
  const base = JSON.stringify({ keys: [], pad: '' })
  return JSON.stringify({ keys: [], pad: 'x'.repeat(Math.max(0, bytes - base.length)) })
}

function streamed(text: string): Response {
  const body = new TextEncoder().encode(text)
  let offset = 0
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= body.byteLength) return controller.close()
      controller.enqueue(body.slice(offset, offset + 4096))
      offset += 4096
    },
  })
  return new Response(stream, { headers: { 'content-type': 'application/jwk-set+json' } })
}

function stalled(): Response {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>()
  const writer = writable.getWriter()
  void writer.write(new TextEncoder().encode('{"keys":['))
  void later(() => writer.close().catch(() => undefined))
  return new Response(readable, { headers: { 'content-type': 'application/jwk-set+json' } })
}

export async function jwksEndpoint(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url)
  if (request.method !== 'GET') return new Response(null, { status: 405 })
  const path = url.pathname.slice('/jwks/'.length)
  if (path === 'slow/headers.json') return later(() => json(padded(0)))
  if (path === 'slow/body.json') return stalled()
  const size = /^padded\/(\d+)\.json$/.exec(path)
  if (size) return url.searchParams.has('stream') ? streamed(padded(Number(size[1]))) : json(padded(Number(size[1])))
  const moved = /^redirect\/([\w-]+\.json)$/.exec(path)
  if (moved) return Response.redirect(new URL(`/jwks/${moved[1]}`, url).href, 302)
  const user = /^([\w-]+)\.json$/.exec(path)?.[1]
  if (!user) return new Response(null, { status: 404 })
  const [document, outage] = await Promise.all([
    env.AJWT_KEYS_KV.get(`ajwt:jwks:${user}`),
    env.AJWT_KEYS_KV.get(`ajwt:jwks-outage:${user}`),
  ])
  if (outage !== null) return new Response('key server down', { status: 500 })
  if (document === null) return new Response(null, { status: 404 })
  return json(document)
}
