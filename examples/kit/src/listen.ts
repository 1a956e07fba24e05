import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A server an example started: where it listens, and how to stop it. */
export interface RunningServer {
  url: string
  close: () => Promise<void>
}

/**
 * Waits until a node:http server listens (or fails to); its URL, and a `close` that also ends
 * idle keep-alive connections, so a one-process example exits at once.
 *
 * @example
 * return listening(app.listen(port, '127.0.0.1'))
 */
export function listening(server: Server): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const ready = () => {
      server.off('error', reject)
      const { address, port } = server.address() as AddressInfo
      resolve({
        url: `http://${address}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections()
            server.close(() => done())
          }),
      })
    }
    if (server.listening) return ready()
    server.once('listening', ready)
    server.once('error', reject)
  })
}
