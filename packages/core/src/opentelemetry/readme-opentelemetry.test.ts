import { AsyncLocalStorage } from 'node:async_hooks'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Context, type ContextManager, context, metrics, ROOT_CONTEXT, trace } from '@opentelemetry/api'
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
// Not @ajwt/test-utils/readme: @ajwt/test-utils depends on @ajwt/core, and a dependency back would be a cycle.
import { itMirrorsTheReadme } from '../../../../tools/test-utils/src/readme.ts'
import { createSigner, createVerifier, generateKeyPair, importPublicKey, JwksKeyStore, MemoryNonceStore, toJWKS } from '../index.ts'
import { openTelemetry } from './index.ts'

// README.md's "Observability (OpenTelemetry)" section, run as written against the GLOBAL providers
// (what an app's SDK registers): the first test checks that every line of its snippet (imports
// aside) is in this file, so the README cannot drift from what runs here.

/** What an SDK's context manager does on Node (AsyncLocalStorage), without another dependency. */
class AsyncLocalContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>()
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.storage.run(ctx, () => fn.call(thisArg, ...args))
  }
  bind<T>(_context: Context, target: T): T {
    return target
  }
  enable(): this {
    return this
  }
  disable(): this {
    this.storage.disable()
    return this
  }
}

// ---- what the app's OpenTelemetry SDK registers --------------------------------------------------
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 })
const spanExporter = new InMemorySpanExporter()
const meterProvider = new MeterProvider({ readers: [reader] })
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] })

// ---- the README's JWKS endpoint, https://billing.example.com, served locally ---------------------
const { publicKey, privateKey } = await generateKeyPair()
const jwks = JSON.stringify(toJWKS([await importPublicKey(publicKey)]))
const jwksServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks))
const trusted: Record<string, string> = { billing: 'https://billing.example.com/.well-known/jwks.json' }

// ---- the README's snippet ------------------------------------------------------------------------
const telemetry = openTelemetry() // the meter and tracer providers your SDK registered
const verifier = createVerifier({
  keys: new JwksKeyStore({ url: (username) => trusted[username], telemetry }), // also counts its JWKS fetches
  nonces: new MemoryNonceStore(),
  telemetry,
})

describe('README: Observability (OpenTelemetry)', () => {
  beforeAll(async () => {
    // Registered after the verifier was created: openTelemetry() reads the globals on first use.
    metrics.setGlobalMeterProvider(meterProvider)
    trace.setGlobalTracerProvider(tracerProvider)
    context.setGlobalContextManager(new AsyncLocalContextManager())
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve))
    const local = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`
    const realFetch = globalThis.fetch
    vi.stubGlobal('fetch', (input: string, init?: RequestInit) => realFetch(input.replace('https://billing.example.com', local), init))
  })
  afterAll(async () => {
    vi.unstubAllGlobals()
    metrics.disable()
    trace.disable()
    context.disable()
    await Promise.all([meterProvider.shutdown(), tracerProvider.shutdown()])
    jwksServer.closeAllConnections()
    await new Promise((resolve) => jwksServer.close(resolve))
  })

  itMirrorsTheReadme(
    readFileSync(new URL('../../README.md', import.meta.url), 'utf8'),
    readFileSync(new URL(import.meta.url), 'utf8'),
    'mirrors the README: every line of its snippet is in this test',
    'Observability (OpenTelemetry)',
  )

  it('records the authentication, store and JWKS metrics and a span through the global SDK', async () => {
    const signer = createSigner({ username: 'billing', privateKey })
    const authorization = await signer.authorization()
    expect((await verifier.verify(authorization)).ok).toBe(true)
    const replay = await verifier.verify(authorization)
    expect(replay.ok ? 'accepted' : replay.error.code).toBe('replay')

    await reader.forceFlush()
    const recorded = new Map(
      metricExporter
        .getMetrics()
        .flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics))
        .map((metric) => [metric.descriptor.name, metric.dataPoints.map((point) => point.attributes)]),
    )
    expect(recorded.get('ajwt.authentication.duration')).toEqual([
      { 'ajwt.authentication.result': 'success' },
      { 'ajwt.authentication.result': 'failure', 'error.type': 'replay' },
    ])
    expect(recorded.get('ajwt.jwks.fetches')).toEqual([{ 'ajwt.jwks.fetch.result': 'success' }])
    expect(recorded.get('ajwt.store.duration')).toEqual([
      { 'ajwt.store.operation': 'get_keys', 'ajwt.store.type': 'JwksKeyStore' },
      { 'ajwt.store.operation': 'claim', 'ajwt.store.type': 'MemoryNonceStore' },
    ])
    expect(spanExporter.getFinishedSpans().map((span) => [span.name, span.attributes['error.type']])).toEqual([
      ['ajwt authenticate', undefined],
      ['ajwt authenticate', 'replay'],
    ])
  })

  it('store calls run in the context of the "ajwt authenticate" span (an instrumented client nests under it)', async () => {
    spanExporter.reset()
    const active: (string | undefined)[] = []
    const nested = createVerifier({
      keys: { getKeys: async () => (active.push(trace.getActiveSpan()?.spanContext().spanId), []) },
      nonces: new MemoryNonceStore(),
      telemetry,
    })
    const result = await nested.verify(await createSigner({ username: 'nobody', privateKey }).authorization())
    expect(result.ok ? 'accepted' : result.error.code).toBe('unknown_user')
    const [span] = spanExporter.getFinishedSpans()
    expect(active).toEqual([span!.spanContext().spanId])
  })
})
