// The part of autocannon 9's programmatic API the load generator uses (it ships no types).
declare module 'autocannon' {
  interface RawRequest {
    method?: string
    path?: string
    headers: Record<string, string>
  }
  export interface Options {
    url: string
    connections?: number
    duration?: number
    maxOverallRequests?: number
    requests?: { method?: string; path?: string; setupRequest?: (request: RawRequest, context: object) => RawRequest }[]
  }
  interface Result {
    requests: { total: number; average: number }
    latency: { p99: number }
    duration: number
    non2xx: number
    errors: number
    timeouts: number
    statusCodeStats: Record<string, { count: number }>
  }
  interface Instance extends PromiseLike<Result> {
    on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, responseTime: number) => void): this
    stop(): void
  }
  function autocannon(options: Options): Instance
  export default autocannon
}
