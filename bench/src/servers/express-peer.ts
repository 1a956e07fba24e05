import { createPublicKey } from 'node:crypto'
import { createServer } from 'node:http'
import express, { type NextFunction, type Response } from 'express'
import { expressjwt, type Request as JwtRequest } from 'express-jwt'
import { ROUTE, type StartServer } from '../types.ts'
import { listen } from './listen.ts'

export const start: StartServer = async ({ publicKeyPem, alg }) => {
  const app = express()
  app.use(expressjwt({ secret: createPublicKey(publicKeyPem), algorithms: [alg as 'RS256'] }))
  app.get(ROUTE, (req: JwtRequest<{ username?: string }>, res) => {
    res.json({ user: req.auth?.username })
  })
  // Without it, Express's final handler prints every 401 to stderr.
  app.use((error: { status?: number }, _req: JwtRequest, res: Response, _next: NextFunction) => {
    res.status(error.status ?? 500).json({ error: 'unauthorized' })
  })
  return listen(createServer(app))
}
