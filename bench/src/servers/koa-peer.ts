import { createPublicKey } from 'node:crypto'
import { createServer } from 'node:http'
import Koa from 'koa'
import jwt from 'koa-jwt'
import { ROUTE, type StartServer } from '../types.ts'
import { listen } from './listen.ts'

export const start: StartServer = async ({ publicKeyPem, alg }) => {
  const app = new Koa()
  // jsonwebtoken takes a KeyObject as is (koa-jwt's types only list strings and Buffers); a PEM
  // string would be parsed again on every request.
  const secret = createPublicKey(publicKeyPem) as unknown as Buffer
  app.use(jwt({ secret, algorithms: [alg] }))
  app.use((ctx) => {
    if (ctx.method === 'GET' && ctx.path === ROUTE) ctx.body = { user: (ctx.state.user as { username?: string }).username }
  })
  return listen(createServer(app.callback()))
}
