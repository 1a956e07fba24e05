import type { Server } from 'node:http'
import { ajwt, type AjwtEnv } from '@ajwt/hono'
import { createAdaptorServer } from '@hono/node-server'
import { Hono } from 'hono'
import { ROUTE, type StartServer } from '../types.ts'
import { listen } from './listen.ts'

export const start: StartServer = async ({ ajwt: options }) => {
  const app = new Hono<AjwtEnv>()
  app.use('/api/*', ajwt(options!))
  app.get(ROUTE, (c) => c.json({ user: c.get('auth').username }))
  return listen(createAdaptorServer({ fetch: app.fetch }) as Server)
}
