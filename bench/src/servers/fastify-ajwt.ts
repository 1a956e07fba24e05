import { ajwt } from '@ajwt/fastify'
import Fastify from 'fastify'
import { ROUTE, type StartServer } from '../types.ts'
import { listenFastify } from './fastify-listen.ts'

export const start: StartServer = async ({ ajwt: options }) => {
  const app = Fastify()
  await app.register(ajwt, options!)
  app.get(ROUTE, async (request) => ({ user: request.auth?.username }))
  return listenFastify(app)
}
