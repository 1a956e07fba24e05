import { createServer } from 'node:http'
import { ajwt } from '@ajwt/koa'
import Koa from 'koa'
import { ROUTE, type StartServer } from '../types.ts'
import { listen } from './listen.ts'

export const start: StartServer = async ({ ajwt: options }) => {
  const app = new Koa()
  app.use(ajwt(options!))
  app.use((ctx) => {
    if (ctx.method === 'GET' && ctx.path === ROUTE) ctx.body = { user: ctx.state.auth?.username }
  })
  return listen(createServer(app.callback()))
}
