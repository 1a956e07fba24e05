// README.md's "Logging, and the token elsewhere" Worker, as written there
// (src/readme-hooks.test.ts checks every line of the snippet is in this file, and drives it in workerd).
import { DurableObjectNonceStore, EnvKeyStore, withAjwt } from '../src/index.ts'

export default withAjwt(
  (request, env, ctx, auth) => Response.json({ hello: auth.username }),
  (env: Env) => ({
    keys: new EnvKeyStore(env.AJWT_KEYS),
    nonces: new DurableObjectNonceStore(env.AJWT_NONCES),
    getToken: (request) => request.headers.get('x-ajwt-token'),
    onRejected: (error, request) => console.warn('ajwt rejected', error.code, new URL(request.url).pathname),
  }),
)
