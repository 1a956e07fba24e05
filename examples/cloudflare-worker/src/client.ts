// The client: signs each request with its private key, then shows what the Worker does with a
// replayed and a tampered token (the requests are in @ajwt/example-kit/client).
//   node src/client.ts http://127.0.0.1:8787
//   (AJWT_PRIVATE_KEY_FILE and AJWT_USERNAME default to what `pnpm keygen` wrote)
import { createSigner } from '@ajwt/core'
import { runDemo } from '@ajwt/example-kit/client'
import { readPrivateKey } from '@ajwt/example-kit/keys'

const { username, privateKey } = await readPrivateKey(new URL('..', import.meta.url), { defaultUsername: 'demo', create: false }).catch(
  () => {
    console.error('No private key: run `pnpm keygen` first (or set AJWT_PRIVATE_KEY_FILE).')
    process.exit(1)
  },
)
const { ok } = await runDemo(process.argv[2] ?? 'http://127.0.0.1:8787', createSigner({ username, privateKey }))
process.exitCode = ok ? 0 : 1
