import { createServer } from 'node:http'
import Koa from 'koa'
import { createCeiling } from '../ceiling.ts'
import { ROUTE, type StartServer } from '../types.ts'
import { listen } from './listen.ts'

export const start: StartServer = async ({ publicKeyPem, alg, toleranceSeconds }) => {
  const check = createCeiling(publicKeyPem, alg, toleranceSeconds)
  const app = new Koa()
  app.use(async (ctx, next) => {
    const user = check(ctx.get('authorization') || undefined)
    if (user === undefined) {
      ctx.status = 401
      ctx.body = { error: 'unauthorized' }
      return
    }
    ctx.state.user = user
    await next()
  })
  app.use((ctx) => {
    if (ctx.method === 'GET' && ctx.path === ROUTE) ctx.body = { user: ctx.state.user as string }
  })
  return listen(createServer(app.callback()))
}
