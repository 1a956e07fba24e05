// The smallest real Worker protected by @ajwt/cloudflare: keys from env, nonces in a Durable Object.
import { DurableObjectNonceStore, EnvKeyStore, withAjwt } from '@ajwt/cloudflare'
export { NonceStoreObject } from '@ajwt/cloudflare'

export default withAjwt(
  (_request, _env, _ctx, auth) => Response.json({ user: auth.username }),
  (env) => ({ keys: new EnvKeyStore(env.AJWT_KEYS), nonces: new DurableObjectNonceStore(env.AJWT_NONCES) }),
)
