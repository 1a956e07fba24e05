import type { AjwtOptions, Auth } from '@ajwt/core'
import { withAjwt, type AjwtWorker } from '../src/index.ts'

/** The route of describeAdapter's contract: the identity withAjwt handed over, and the header it came from. */
export const whoami = async (request: Request, _env: Env, _ctx: ExecutionContext, auth: Auth | undefined): Promise<Response> => {
  // The echo route of the contract: request.text() reads the checked body, or throws the AjwtError.
  if (new URL(request.url).pathname.startsWith('/echo')) return Response.json({ auth: auth ?? null, body: await request.text() })
  return Response.json({ auth: auth ?? null, authorization: request.headers.get('authorization') })
}

/**
 * The Worker that describeAdapter drives in-process: `GET /whoami` behind `withAjwt(options)`,
 * and `/open` outside it.
 */
export function whoamiWorker(options: AjwtOptions): AjwtWorker<Env> {
  // The same options; `optional` spelled out only to pick withAjwt's overload for `Auth | undefined`.
  const guarded = withAjwt(whoami, { ...options, optional: options.optional === true })
  return {
    fetch(request, env, ctx) {
      if (new URL(request.url).pathname === '/open') return Promise.resolve(new Response('open'))
      return guarded.fetch(request, env, ctx)
    },
  }
}
