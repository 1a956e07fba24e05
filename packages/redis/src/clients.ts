import { AjwtError } from '@ajwt/core'

/**
 * The part of a node-redis (v5+) client that the store uses: `createClient()` or `createClientPool()`.
 *
 * @example
 * ```ts
 * const client: NodeRedisClient = await createClient({ url: 'redis://127.0.0.1:6379' }).connect()
 * ```
 */
export interface NodeRedisClient {
  sendCommand(args: string[], options?: { abortSignal?: AbortSignal; timeout?: number }): Promise<unknown>
  readonly isOpen?: boolean
  readonly isReady?: boolean
}

/**
 * The part of a node-redis (v5+) Redis Cluster client that the store uses: `createCluster()`.
 *
 * @example
 * ```ts
 * const cluster: NodeRedisCluster = await createCluster({ rootNodes: [{ url: 'redis://10.0.0.1:7000' }] }).connect()
 * ```
 */
export interface NodeRedisCluster {
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
    options?: { abortSignal?: AbortSignal; timeout?: number },
  ): Promise<unknown>
  readonly masters: readonly unknown[]
  readonly isOpen?: boolean
  readonly isReady?: boolean
}

/**
 * The part of an ioredis client that the store uses: `new Redis()` or `new Redis.Cluster([...])`.
 *
 * @example
 * ```ts
 * const client: IoRedisClient = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 })
 * ```
 */
export interface IoRedisClient {
  call(command: string, ...args: (string | number)[]): Promise<unknown>
  readonly status: string
}

/**
 * Any client {@link RedisNonceStore} accepts: node-redis or ioredis, single node or Cluster.
 *
 * @example
 * ```ts
 * const client: RedisClient = new Redis(process.env.REDIS_URL!)
 * ```
 */
export type RedisClient = NodeRedisClient | NodeRedisCluster | IoRedisClient

/**
 * How the store talks to one client: `send` one command (routed by `firstKey` on a cluster), and
 * `down` tells why a command sent now would only queue up (undefined when the client is ready).
 */
export interface Commands {
  /** A cluster client: one command may only hold keys of one hash slot. */
  readonly cluster: boolean
  send(args: string[], firstKey: string): Promise<unknown>
  down(): string | undefined
}

// ioredis cannot take a command back out of its offline queue, so a down connection must fail
// fast rather than pile up commands for the length of the outage.
const IOREDIS_DOWN: ReadonlySet<string> = new Set(['reconnecting', 'close', 'end', 'disconnecting'])

// node-redis (6) gives every command a 5 s timeout of its own: an AbortSignal.timeout() and a
// listener per command, alive for those 5 s. The store watches its commands itself (timeoutMs).
const NO_LIBRARY_TIMEOUT = { timeout: 0 }

// Duck-typed, so that neither library is imported: `call` + `status` is ioredis (its Cluster too),
// `sendCommand` + `masters` is a node-redis cluster, `sendCommand` alone a node-redis client.
export function commandsFor(client: RedisClient): Commands {
  const c = client as Partial<NodeRedisClient & NodeRedisCluster & IoRedisClient> & { isCluster?: unknown }
  if (c && typeof c.call === 'function' && typeof c.status === 'string') {
    const io = client as IoRedisClient
    const call = io.call
    return {
      cluster: c.isCluster === true,
      send: (args) => Reflect.apply(call, io, args) as Promise<unknown>,
      down: () => (IOREDIS_DOWN.has(io.status) ? `ioredis connection is ${io.status}` : undefined),
    }
  }
  if (c && typeof c.sendCommand === 'function') {
    if ('masters' in c) {
      const cluster = client as NodeRedisCluster
      return {
        cluster: true,
        send: (args, firstKey) => cluster.sendCommand(firstKey, false, args, NO_LIBRARY_TIMEOUT),
        down: () => (cluster.isOpen === true && cluster.isReady === false ? 'node-redis cluster is not ready' : undefined),
      }
    }
    const single = client as NodeRedisClient
    return {
      cluster: false,
      send: (args) => single.sendCommand(args, NO_LIBRARY_TIMEOUT),
      down: () => (single.isOpen === true && single.isReady === false ? 'node-redis client is not ready (reconnecting)' : undefined),
    }
  }
  throw new AjwtError(
    'invalid_options',
    'RedisNonceStore needs `client`: a node-redis client or cluster (createClient/createCluster) or an ioredis Redis/Cluster',
  )
}
