// The peer: Hono's own JWT middleware with a public JWK (signature and exp only, no replay protection).
import { Hono } from 'hono'
import { jwt } from 'hono/jwt'

const app = new Hono()
let auth // built once per isolate, from the first request's env
app.use('/api/*', (c, next) => {
  auth ??= jwt({ secret: JSON.parse(c.env.JWT_PUBLIC_JWK), alg: 'EdDSA' })
  return auth(c, next)
})
app.get('/api/hello', (c) => c.json({ user: c.get('jwtPayload').username }))
export default app
