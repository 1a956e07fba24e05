// The whole example in one process: a fresh key pair, the server on a free port, the client.
//   node src/main.ts              exits 0 when every outcome is the expected one, 1 otherwise
import { runExample } from '@ajwt/example-kit/main'
import { startServer } from './server.ts'

await runExample('hono', startServer)
