import fastifyJwt from '@fastify/jwt'
import Fastify from 'fastify'
import { ROUTE, type StartServer } from '../types.ts'
import { listenFastify } from './fastify-listen.ts'

export const start: StartServer = async ({ publicKeyPem, alg }) => {
  const app = Fastify()
  await app.register(fastifyJwt, { secret: { public: publicKeyPem }, verify: { algorithms: [alg] } })
  app.addHook('onRequest', async (request) => {
    await request.jwtVerify()
  })
  app.get(ROUTE, async (request) => ({ user: (request.user as { username?: string }).username }))
  return listenFastify(app)
}
