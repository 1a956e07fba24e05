import { createServer } from 'node:http'
import Koa from 'koa'
import { ROUTE, type StartServer } from '../types.ts'
import { listen } from './listen.ts'

export const start: StartServer = async () => {
  const app = new Koa()
  app.use((ctx) => {
    if (ctx.method === 'GET' && ctx.path === ROUTE) ctx.body = { user: 'anonymous' }
  })
  return listen(createServer(app.callback()))
}
