import Fastify from 'fastify'
import { createCeiling } from '../ceiling.ts'
import { ROUTE, type StartServer } from '../types.ts'
import { listenFastify } from './fastify-listen.ts'

export const start: StartServer = async ({ publicKeyPem, alg, toleranceSeconds }) => {
  const check = createCeiling(publicKeyPem, alg, toleranceSeconds)
  const app = Fastify()
  app.decorateRequest('user', '')
  app.addHook('onRequest', async (request, reply) => {
    const user = check(request.headers.authorization)
    if (user === undefined) return reply.code(401).send({ error: 'unauthorized' })
    request.user = user
  })
  app.get(ROUTE, async (request) => ({ user: request.user }))
  return listenFastify(app)
}

declare module 'fastify' {
  interface FastifyRequest {
    user: string
  }
}
