import { createServer } from 'node:http'
import express from 'express'
import { createCeiling } from '../ceiling.ts'
import { ROUTE, type StartServer } from '../types.ts'
import { listen } from './listen.ts'

export const start: StartServer = async ({ publicKeyPem, alg, toleranceSeconds }) => {
  const check = createCeiling(publicKeyPem, alg, toleranceSeconds)
  const app = express()
  app.use((req, res, next) => {
    const user = check(req.headers.authorization)
    if (user === undefined) {
      res.status(401).json({ error: 'unauthorized' })
      return
    }
    res.locals.user = user
    next()
  })
  app.get(ROUTE, (_req, res) => {
    res.json({ user: res.locals.user as string })
  })
  return listen(createServer(app))
}
