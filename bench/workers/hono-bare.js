// The baseline: the same Hono Worker without authentication.
import { Hono } from 'hono'

const app = new Hono()
app.get('/api/hello', (c) => c.json({ user: 'anonymous' }))
export default app
