import type { Server } from 'node:http'
import { createAdaptorServer } from '@hono/node-server'
import { Hono } from 'hono'
import { createCeiling } from '../ceiling.ts'
import { ROUTE, type StartServer } from '../types.ts'
import { listen } from './listen.ts'

export const start: StartServer = async ({ publicKeyPem, alg, toleranceSeconds }) => {
  const check = createCeiling(publicKeyPem, alg, toleranceSeconds)
  const app = new Hono<{ Variables: { user: string } }>()
  app.use('/api/*', async (c, next) => {
    const user = check(c.req.header('authorization'))
    if (user === undefined) return c.json({ error: 'unauthorized' }, 401)
    c.set('user', user)
    await next()
  })
  app.get(ROUTE, (c) => c.json({ user: c.get('user') }))
  return listen(createAdaptorServer({ fetch: app.fetch }) as Server)
}
