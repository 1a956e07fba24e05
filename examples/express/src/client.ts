// A client that signs its requests with its private key, then shows what the server does with a
// replayed and a tampered token (the requests are in @ajwt/example-kit/client).
//   node src/client.ts [url]      default http://127.0.0.1:3000; signs as "billing" with .keys/billing.key
//                                 (or AJWT_PRIVATE_KEY_FILE for AJWT_USERNAME)
import { createSigner } from '@ajwt/core'
import { runDemo } from '@ajwt/example-kit/client'
import { readPrivateKey } from '@ajwt/example-kit/keys'

const { username, privateKey } = await readPrivateKey(new URL('..', import.meta.url))
// signer.fetch is fetch with a fresh Authorization header (a new time and nonce) on every call.
const signer = createSigner({ username, privateKey })
const { ok } = await runDemo(process.argv[2] ?? 'http://127.0.0.1:3000', signer)
process.exitCode = ok ? 0 : 1
