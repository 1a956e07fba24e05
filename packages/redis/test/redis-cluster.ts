import { execFileSync } from 'node:child_process'
import { freePort } from '@ajwt/test-utils/free-port'
import { startRedis, type RedisServer } from '@ajwt/test-utils/redis-server'

/** A three-master Redis Cluster on loopback, started and stopped by this test run. */
export interface RedisCluster {
  readonly nodes: readonly RedisServer[]
  stop(): Promise<void>
}

export async function startRedisCluster(): Promise<RedisCluster> {
  const nodes: RedisServer[] = []
  try {
    for (let i = 0; i < 3; i++) {
      const busPort = await freePort()
      nodes.push(
        await startRedis({
          extraArgs: ['--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-node-timeout', '2000',
            '--cluster-config-file', `nodes-${i}.conf`],
        }),
      )
    }
    execFileSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-yes'], {
      stdio: 'ignore',
      timeout: 30_000,
    })
    const deadline = Date.now() + 20_000
    while (!nodes.every((n) => clusterInfo(n.port).includes('cluster_state:ok'))) {
      if (Date.now() > deadline) throw new Error('the Redis Cluster did not reach cluster_state:ok within 20 s')
      await new Promise((r) => setTimeout(r, 100))
    }
  } catch (error) {
    await Promise.all(nodes.map((n) => n.stop()))
    throw error
  }
  return { nodes, stop: async () => void (await Promise.all(nodes.map((n) => n.stop()))) }
}

function clusterInfo(port: number): string {
  return execFileSync('redis-cli', ['-p', String(port), 'cluster', 'info'], { encoding: 'utf8', timeout: 5000 })
}
