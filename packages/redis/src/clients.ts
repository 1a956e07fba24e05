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
  sendCommand(args: string[], options?: { abortSignal?: AbortSignal }): Promise<unknown>
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
    options?: { abortSignal?: AbortSignal },
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

/** Sends `SET key 1 NX PX ms` (a duration, on Redis's own clock); resolves to the raw reply ('OK' or null). */
export type SetNx = (key: string, px: string, signal: AbortSignal) => Promise<unknown>

// ioredis cannot take a command back out of its offline queue, so a down connection must fail
// fast rather than pile up commands for the length of the outage.
const IOREDIS_DOWN: ReadonlySet<string> = new Set(['reconnecting', 'close', 'end', 'disconnecting'])

// Duck-typed, so that neither library is imported: `call` + `status` is ioredis (its Cluster too),
// `sendCommand` + `masters` is a node-redis cluster, `sendCommand` alone a node-redis client.
export function setNxFor(client: RedisClient): SetNx {
  const c = client as Partial<NodeRedisClient & NodeRedisCluster & IoRedisClient> | null
  if (c && typeof c.call === 'function' && typeof c.status === 'string') {
    const io = client as IoRedisClient
    return (key, px) => {
      if (IOREDIS_DOWN.has(io.status)) return Promise.reject(new Error(`ioredis connection is ${io.status}`))
      return io.call('SET', key, '1', 'NX', 'PX', px)
    }
  }
  if (c && typeof c.sendCommand === 'function') {
    const down = () => c.isOpen === true && c.isReady === false
    if ('masters' in c) {
      const cluster = client as NodeRedisCluster
      return (key, px, abortSignal) =>
        down()
          ? Promise.reject(new Error('node-redis cluster is not ready'))
          : cluster.sendCommand(key, false, ['SET', key, '1', 'NX', 'PX', px], { abortSignal })
    }
    const single = client as NodeRedisClient
    return (key, px, abortSignal) =>
      down()
        ? Promise.reject(new Error('node-redis client is not ready (reconnecting)'))
        : single.sendCommand(['SET', key, '1', 'NX', 'PX', px], { abortSignal })
  }
  throw new AjwtError(
    'invalid_options',
    'RedisNonceStore needs `client`: a node-redis client or cluster (createClient/createCluster) or an ioredis Redis/Cluster',
  )
}
