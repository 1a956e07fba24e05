// The whole example in one process: a server on a free port, and a client that signs its requests.
//   node src/main.ts              exits 0 when every outcome is the expected one, 1 otherwise
import { createSigner, generateKeyPair } from '@ajwt/core'
import { print, runClient } from './client.ts'
import { startServer } from './server.ts'

// In real life the client keeps privateKey, and gives publicKey to the server's operator.
const { privateKey, publicKey } = await generateKeyPair('ed25519')
const serverLog: string[] = []
const server = await startServer({ publicKeys: { billing: [publicKey] }, log: (line) => serverLog.push(line) })
console.log(`koa server on ${server.url}, client "billing" signs with Ed25519\n`)

try {
  const ok = await runClient(server.url, createSigner({ username: 'billing', privateKey }), (outcome) => {
    print(outcome)
    for (const line of serverLog.splice(0)) console.log(`    server log: ${line}`)
  })
  console.log(ok ? '\nall outcomes as expected' : '\nunexpected outcome(s)')
  process.exitCode = ok ? 0 : 1
} finally {
  await server.close()
}
