import Fastify from 'fastify'
import { ROUTE, type StartServer } from '../types.ts'
import { listenFastify } from './fastify-listen.ts'

export const start: StartServer = async () => {
  const app = Fastify()
  app.get(ROUTE, async () => ({ user: 'anonymous' }))
  return listenFastify(app)
}
