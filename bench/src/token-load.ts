// What every load child shares: one GET per pre-signed token (never a token twice), blocks in rotation.
import type { Options } from 'autocannon'

/** Where a server has got to in the token pool: each server has its own nonce store, so its own walk. */
export interface PoolCursor {
  next: number
}

/**
 * autocannon options for `seconds` of GETs to `url`, each carrying the next token of `tokens`
 * (`<prefix><token>`). The run stops before the pool runs out (setupRequest may run once ahead per
 * connection); an exhausted pool sends a token that every server rejects, never a replay. With
 * `recycle` the pool starts over instead (for servers that do not claim nonces).
 */
export function tokenLoad(
  url: string,
  tokens: readonly string[],
  cursor: PoolCursor,
  { connections, seconds, prefix = 'JWT ', recycle = false }: { connections: number; seconds: number; prefix?: string; recycle?: boolean },
): Options {
  const remaining = recycle ? Number.MAX_SAFE_INTEGER : tokens.length - cursor.next - 2 * connections
  return {
    url,
    connections,
    duration: seconds,
    maxOverallRequests: Math.max(connections, remaining),
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          if (recycle) cursor.next %= tokens.length
          const token = cursor.next < tokens.length ? tokens[cursor.next++] : 'exhausted.pool.x'
          request.headers = { ...request.headers, authorization: prefix + token }
          return request
        },
      },
    ],
  }
}

/**
 * Warms every server up, then runs `cycles` blocks on each, the order rotated by one each cycle
 * (A B C, B C A, …), so that each server's blocks are spread evenly through the run.
 */
export async function rotatedBlocks<Server, Block>(
  servers: readonly Server[],
  { cycles, blockSeconds, warmupSeconds }: { cycles: number; blockSeconds: number; warmupSeconds: number },
  run: (server: Server, seconds: number, cycle: number) => Promise<Block>,
): Promise<Block[]> {
  for (const server of servers) await run(server, warmupSeconds, -1)
  const blocks: Block[] = []
  for (let cycle = 0; cycle < cycles; cycle++) {
    const shift = cycle % servers.length
    for (const server of [...servers.slice(shift), ...servers.slice(0, shift)]) blocks.push(await run(server, blockSeconds, cycle))
  }
  return blocks
}
