// The whole example in one process: a fresh key pair, the server on a free port, the client.
//   node src/main.ts
import { createSigner, generateKeyPair, MemoryKeyStore } from '@ajwt/core'
import { printOutcomes, runClient } from './client.ts'
import { startServer } from './server.ts'

// In real life the client keeps privateKey and hands publicKey to the server's operator.
const { privateKey, publicKey } = await generateKeyPair('ed25519')
const serverLog: string[] = []
const server = await startServer(0, {
  keys: new MemoryKeyStore({ billing: [publicKey] }),
  onRejected: (error) => serverLog.push(error.code),
})

try {
  console.log(`fastify server on ${server.url}`)
  const outcomes = await runClient(server.url, createSigner({ username: 'billing', privateKey }))
  printOutcomes(outcomes)
  console.log(`server log (reasons the client never sees): ${serverLog.join(', ')}`)
  const failures = outcomes.filter((o) => !o.ok).length
  console.log(failures === 0 ? 'all outcomes as expected' : `${failures} unexpected outcome(s)`)
  process.exitCode = failures === 0 ? 0 : 1
} finally {
  await server.close()
}
