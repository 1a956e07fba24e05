import { createServer } from 'node:http'
import { ajwt, ajwtErrorHandler } from '@ajwt/express'
import express from 'express'
import { ROUTE, type StartServer } from '../types.ts'
import { listen } from './listen.ts'

export const start: StartServer = async ({ ajwt: options }) => {
  const app = express()
  app.use(ajwt(options!))
  app.get(ROUTE, (req, res) => {
    res.json({ user: req.auth?.username })
  })
  app.use(ajwtErrorHandler())
  return listen(createServer(app))
}
