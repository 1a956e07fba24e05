import { type AjwtError, createSigner, generateKeyPair, type KeyStore, MemoryKeyStore } from '@ajwt/core'
import { printOutcome, runDemo } from './client.ts'
import { trustedKeys } from './keys.ts'
import type { RunningServer } from './listen.ts'

/** What an example's `startServer` gets from {@link runExample}. */
export interface StartOptions {
  keys: KeyStore
  /** 0: a free port. */
  port: number
  onRejected: (error: AjwtError) => void
}

/**
 * The whole example in one process: a fresh key pair, the example's server on a free port on
 * 127.0.0.1, and the demo client (see `runDemo`). Prints each outcome with what the server's
 * `onRejected` logged for it; sets the exit code to 0 when every outcome is the expected one, else 1.
 *
 * @example
 * await runExample('express', startServer)
 */
export async function runExample(name: string, startServer: (options: StartOptions) => Promise<RunningServer>): Promise<boolean> {
  // In real life the client keeps privateKey, and hands publicKey to the server's operator.
  const { privateKey, publicKey } = await generateKeyPair('ed25519')
  const serverLog: string[] = []
  const server = await startServer({
    keys: new MemoryKeyStore({ billing: [publicKey] }),
    port: 0,
    onRejected: (error) => serverLog.push(`rejected: ${error.code} (${error.detail})`),
  })
  console.log(`${name} server on ${server.url}, client "billing" signs with Ed25519`)
  console.log('(server log: the reasons onRejected got; the client only ever sees a generic 401)\n')
  try {
    const { ok } = await runDemo(server.url, createSigner({ username: 'billing', privateKey }), {
      onOutcome: (outcome) => {
        printOutcome(outcome)
        for (const line of serverLog.splice(0)) console.log(`    server log: ${line}`)
      },
    })
    console.log(ok ? '\nall outcomes as expected' : '\nunexpected outcome(s)')
    process.exitCode = ok ? 0 : 1
    return ok
  } finally {
    await server.close()
  }
}

/**
 * The server on its own, for `node src/client.ts` in another shell: on 127.0.0.1, port PORT
 * (default 3000), trusting the client's public key (see `trustedKeys`), logging each rejection's
 * reason to stderr.
 *
 * @example
 * if (import.meta.main) await runServer(new URL('..', import.meta.url), startServer)
 */
export async function runServer(exampleDir: URL, startServer: (options: StartOptions) => Promise<RunningServer>): Promise<RunningServer> {
  const { username, keys } = await trustedKeys(exampleDir)
  const server = await startServer({
    keys,
    port: Number(process.env.PORT ?? 3000),
    onRejected: (error) => console.warn(`rejected: ${error.code} (${error.detail})`),
  })
  console.log(`listening on ${server.url}, trusting user "${username}"; try: node src/client.ts ${server.url}`)
  return server
}
