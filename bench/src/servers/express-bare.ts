import { createServer } from 'node:http'
import express from 'express'
import { ROUTE, type StartServer } from '../types.ts'
import { listen } from './listen.ts'

export const start: StartServer = async () => {
  const app = express()
  app.get(ROUTE, (_req, res) => {
    res.json({ user: 'anonymous' })
  })
  return listen(createServer(app))
}
