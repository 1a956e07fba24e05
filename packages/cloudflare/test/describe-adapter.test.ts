import { describeAdapter } from '@ajwt/testing'
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { whoamiWorker } from './whoami.ts'

// The conformance suite of every adapter, inside workerd: no server can be started here, so the
// suite calls the Worker's own fetch(request, env, ctx), as the runtime does.
describeAdapter('@ajwt/cloudflare withAjwt, in workerd', {
  body: 'json',
  openPath: '/open',
  echo: true,
  injectStreams: true,
  headerOf: (request, name) => (request as Request).headers.get(name) ?? undefined,
  inject: (options) => {
    const worker = whoamiWorker(options)
    return async (path, init) => {
      const ctx = createExecutionContext()
      const response = await worker.fetch(new Request(`https://api.test${path}`, init), env, ctx)
      await waitOnExecutionContext(ctx)
      return response
    }
  },
})
