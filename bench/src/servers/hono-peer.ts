import { createPublicKey } from 'node:crypto'
import type { Server } from 'node:http'
import { createAdaptorServer } from '@hono/node-server'
import { Hono } from 'hono'
import { jwt } from 'hono/jwt'
import { ROUTE, type StartServer } from '../types.ts'
import { listen } from './listen.ts'

const IMPORT = {
  EdDSA: { name: 'Ed25519' },
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  RS512: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' },
} as const

export const start: StartServer = async ({ publicKeyPem, alg }) => {
  const spki = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' })
  const secret = await crypto.subtle.importKey('spki', spki, IMPORT[alg], false, ['verify'])
  const app = new Hono<{ Variables: { jwtPayload: { username?: string } } }>()
  app.use('/api/*', jwt({ secret, alg }))
  app.get(ROUTE, (c) => c.json({ user: c.get('jwtPayload').username }))
  return listen(createAdaptorServer({ fetch: app.fetch }) as Server)
}
