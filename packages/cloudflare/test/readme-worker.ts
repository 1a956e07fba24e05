// README.md's "Request binding" Worker, as written there (src/readme-binding.test.ts checks that
// every line of the README's snippet is in this file, and drives it in workerd).
import { DurableObjectNonceStore, EnvKeyStore, withAjwt } from '../src/index.ts'

export default withAjwt(
  async (request, env, ctx, auth) => {
    const invoice = await request.json() // the checked body; one that does not match throws, answered 401 (413 if too large)
    return Response.json({ created: invoice, by: auth.username }, { status: 201 })
  },
  (env: Env) => ({
    keys: new EnvKeyStore(env.AJWT_KEYS),
    nonces: new DurableObjectNonceStore(env.AJWT_NONCES),
    origins: ['https://api.example.com'], // the public origin clients call: set it
    binding: 'required', // refuse unbound tokens (default 'if-present')
    onRejected: (error) => console.warn('ajwt rejected a request', error.code),
  }),
)
