import type { Server } from 'node:http'
import { createAdaptorServer } from '@hono/node-server'
import { Hono } from 'hono'
import { ROUTE, type StartServer } from '../types.ts'
import { listen } from './listen.ts'

export const start: StartServer = async () => {
  const app = new Hono()
  app.get(ROUTE, (c) => c.json({ user: 'anonymous' }))
  return listen(createAdaptorServer({ fetch: app.fetch }) as Server)
}
