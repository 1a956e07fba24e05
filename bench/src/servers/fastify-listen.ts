import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { Started } from '../types.ts'

export async function listenFastify(app: FastifyInstance): Promise<Started> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { port: (app.server.address() as AddressInfo).port, close: () => app.close() }
}
