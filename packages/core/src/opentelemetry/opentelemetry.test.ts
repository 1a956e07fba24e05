import { readdirSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api'
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  AjwtError,
  createSigner,
  createVerifier,
  type GeneratedKeyPair,
  generateKeyPair,
  JwksKeyStore,
  type KeyStore,
  MemoryKeyStore,
  MemoryNonceStore,
  type NonceStore,
  toJWKS,
  importPublicKey,
  type VerifierTelemetry,
} from '../index.ts'
import { withTelemetry } from '../verifier/telemetry.ts'
import { openTelemetry, type OpenTelemetryOptions } from './index.ts'

const USERNAME = 'billing-7c1f'

let billing: GeneratedKeyPair
let stranger: GeneratedKeyPair
beforeAll(async () => {
  ;[billing, stranger] = await Promise.all([generateKeyPair('ed25519'), generateKeyPair('ed25519')])
})

/** An SDK of our own (never the global one): in-memory metric and span exporters. */
function sdk(options: Omit<OpenTelemetryOptions, 'meterProvider' | 'tracerProvider'> = {}) {
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 })
  const meterProvider = new MeterProvider({ readers: [reader] })
  const spanExporter = new InMemorySpanExporter()
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] })
  providers.push(meterProvider, tracerProvider)
  return {
    telemetry: openTelemetry({ meterProvider, tracerProvider, ...options }),
    /** Every metric recorded so far, by name. */
    async metrics(): Promise<Map<string, MetricData>> {
      metricExporter.reset()
      await reader.forceFlush()
      const byName = new Map<string, MetricData>()
      for (const resource of metricExporter.getMetrics()) {
        for (const scope of resource.scopeMetrics) {
          expect(scope.scope.name).toBe('@ajwt/core')
          for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric)
        }
      }
      return byName
    },
    spans: () => spanExporter.getFinishedSpans(),
  }
}
const providers: { shutdown(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(providers.splice(0).map((provider) => provider.shutdown()))
})

/** `[attributes, count]` of each histogram point, or `[attributes, value]` of each counter point. */
function pointsOf(metric: MetricData | undefined): [Attributes, number][] {
  if (!metric) return []
  return (metric.dataPoints as DataPoint<number | Histogram>[]).map((point) => [
    point.attributes,
    typeof point.value === 'number' ? point.value : point.value.count,
  ])
}

const sorted = (points: [Attributes, number][]) => points.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))

const signerOf = (pair: GeneratedKeyPair, username = USERNAME) => createSigner({ username, privateKey: pair.privateKey })

/** A verifier of USERNAME, who holds the billing key, with this telemetry. */
const billingVerifier = (telemetry: VerifierTelemetry, nonces: NonceStore = new MemoryNonceStore()) =>
  createVerifier({ keys: new MemoryKeyStore({ [USERNAME]: [billing.publicKey] }), nonces, telemetry })

describe('openTelemetry(): metrics', () => {
  it('records ajwt.authentication.duration by result, with the AjwtError code as error.type on failure', async () => {
    const otel = sdk()
    const verifier = billingVerifier(otel.telemetry)
    const authorization = await signerOf(billing).authorization()
    expect((await verifier.verify(authorization)).ok).toBe(true)
    const verdicts = [
      await verifier.verify(authorization), // replay
      await verifier.verify(await signerOf(billing, 'nobody').authorization()), // unknown_user
      await verifier.verify(await signerOf(stranger).authorization()), // invalid_signature
      await verifier.verify(await signerOf(stranger).authorization()),
      await verifier.verify(undefined), // missing_token
    ]
    expect(verdicts.map((result) => (result.ok ? 'ok' : result.error.code))).toEqual([
      'replay',
      'unknown_user',
      'invalid_signature',
      'invalid_signature',
      'missing_token',
    ])

    const metric = (await otel.metrics()).get('ajwt.authentication.duration')
    expect(metric?.descriptor).toMatchObject({ unit: 's', type: 'HISTOGRAM' })
    expect(sorted(pointsOf(metric))).toEqual(
      sorted([
        [{ 'ajwt.authentication.result': 'success' }, 1],
        [{ 'ajwt.authentication.result': 'failure', 'error.type': 'replay' }, 1],
        [{ 'ajwt.authentication.result': 'failure', 'error.type': 'unknown_user' }, 1],
        [{ 'ajwt.authentication.result': 'failure', 'error.type': 'invalid_signature' }, 2],
        [{ 'ajwt.authentication.result': 'failure', 'error.type': 'missing_token' }, 1],
      ]),
    )
    for (const point of metric!.dataPoints as DataPoint<Histogram>[]) {
      expect(point.value.sum).toBeGreaterThanOrEqual(0)
      expect(point.value.max).toBeLessThan(10) // seconds, not milliseconds
    }
  })

  it('records ajwt.store.duration per operation and store class; a store that throws gets error.type and a 503', async () => {
    class FlakyNonceStore implements NonceStore {
      down = false
      private readonly inner = new MemoryNonceStore()
      async claim(claim: Parameters<NonceStore['claim']>[0]): Promise<boolean> {
        if (this.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { name: 'ConnectionError' })
        return this.inner.claim(claim)
      }
    }
    const nonces = new FlakyNonceStore()
    const otel = sdk()
    const verifier = billingVerifier(otel.telemetry, nonces)
    expect((await verifier.verify(await signerOf(billing).authorization())).ok).toBe(true)
    nonces.down = true
    const down = await verifier.verify(await signerOf(billing).authorization())
    expect(down.ok ? 200 : [down.error.code, down.error.status]).toEqual(['store_unavailable', 503])

    // A plain object as key store, whose pool is exhausted.
    const keys: KeyStore = {
      getKeys: async () => {
        throw new Error('pool exhausted')
      },
    }
    const other = createVerifier({ keys, nonces: new MemoryNonceStore(), telemetry: otel.telemetry })
    const failed = await other.verify(await signerOf(billing).authorization())
    expect(failed.ok ? 200 : failed.error.status).toBe(503)

    const metrics = await otel.metrics()
    expect(metrics.get('ajwt.store.duration')?.descriptor).toMatchObject({ unit: 's', type: 'HISTOGRAM' })
    expect(sorted(pointsOf(metrics.get('ajwt.store.duration')))).toEqual(
      sorted([
        [{ 'ajwt.store.operation': 'get_keys', 'ajwt.store.type': 'MemoryKeyStore' }, 2],
        [{ 'ajwt.store.operation': 'claim', 'ajwt.store.type': 'FlakyNonceStore' }, 1],
        [{ 'ajwt.store.operation': 'claim', 'ajwt.store.type': 'FlakyNonceStore', 'error.type': 'ConnectionError' }, 1],
        [{ 'ajwt.store.operation': 'get_keys', 'ajwt.store.type': 'custom', 'error.type': 'Error' }, 1],
      ]),
    )
    expect(sorted(pointsOf(metrics.get('ajwt.authentication.duration')))).toEqual(
      sorted([
        [{ 'ajwt.authentication.result': 'success' }, 1],
        [{ 'ajwt.authentication.result': 'failure', 'error.type': 'store_unavailable' }, 2],
      ]),
    )
  })

  it('never puts the username or the token into a metric attribute', async () => {
    const otel = sdk({ enduserId: true })
    const verifier = billingVerifier(otel.telemetry)
    const tokens = [await signerOf(billing).authorization(), await signerOf(stranger).authorization()]
    for (const authorization of [...tokens, tokens[0]!]) await verifier.verify(authorization)
    const metrics = await otel.metrics()
    expect(metrics.size).toBeGreaterThanOrEqual(2)
    const attributes = [...metrics.values()].flatMap((metric) => metric.dataPoints.map((point) => point.attributes))
    expect(attributes.length).toBeGreaterThan(0)
    for (const point of attributes) {
      for (const [key, value] of Object.entries(point)) {
        expect(['ajwt.authentication.result', 'error.type', 'ajwt.store.operation', 'ajwt.store.type']).toContain(key)
        expect(String(value)).not.toContain(USERNAME)
        expect(String(value).length).toBeLessThan(32) // no token, nor any piece of one
      }
    }
  })
})

describe('openTelemetry(): spans', () => {
  it('one "ajwt authenticate" INTERNAL span per verify: ERROR status and error.type on failure, never the token', async () => {
    const otel = sdk()
    const verifier = billingVerifier(otel.telemetry)
    const authorization = await signerOf(billing).authorization()
    await verifier.verify(authorization)
    await verifier.verify(authorization)
    const [accepted, replayed, ...rest] = otel.spans()
    expect(rest).toEqual([])
    for (const span of [accepted!, replayed!]) {
      expect(span.name).toBe('ajwt authenticate')
      expect(span.kind).toBe(SpanKind.INTERNAL)
      expect(span.instrumentationScope.name).toBe('@ajwt/core')
      expect(JSON.stringify([span.attributes, span.status, span.events])).not.toContain(authorization.slice(4, 40))
    }
    expect(accepted!.attributes).toEqual({ 'ajwt.authentication.result': 'success' })
    expect(accepted!.status.code).toBe(SpanStatusCode.UNSET)
    expect(replayed!.attributes).toEqual({ 'ajwt.authentication.result': 'failure', 'error.type': 'replay' })
    expect(replayed!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'replay' })
  })

  it('sets enduser.id on the span only with enduserId: true', async () => {
    const otel = sdk({ enduserId: true })
    const verifier = billingVerifier(otel.telemetry)
    await verifier.verify(await signerOf(billing).authorization())
    expect(otel.spans()[0]!.attributes).toEqual({ 'ajwt.authentication.result': 'success', 'enduser.id': USERNAME })
  })
})

describe('openTelemetry(): JWKS fetches', () => {
  let server: Server
  let origin: string
  const routes = new Map<string, () => [number, string]>()
  beforeAll(async () => {
    server = createServer((req, res) => {
      const [status, body] = routes.get(req.url ?? '')?.() ?? [404, '']
      res.writeHead(status, { 'content-type': 'application/json' }).end(body)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  it('counts ajwt.jwks.fetches by result, from a JwksKeyStore given the same telemetry', async () => {
    const jwks = JSON.stringify(toJWKS([await importPublicKey(billing.publicKey)]))
    routes.set('/good.json', () => [200, jwks])
    routes.set('/broken.json', () => [500, '{}'])
    const otel = sdk()
    const urls: Record<string, string> = { [USERNAME]: `${origin}/good.json`, broken: `${origin}/broken.json` }
    const keys = new JwksKeyStore({
      url: (username) => urls[username],
      allowHttp: true,
      allowPrivateNetworks: true,
      telemetry: otel.telemetry,
    })
    const verifier = createVerifier({ keys, nonces: new MemoryNonceStore(), telemetry: otel.telemetry })
    expect((await verifier.verify(await signerOf(billing).authorization())).ok).toBe(true)
    expect((await verifier.verify(await signerOf(billing).authorization())).ok).toBe(true) // cached: no fetch
    const broken = await verifier.verify(await signerOf(billing, 'broken').authorization())
    expect(broken.ok ? 200 : broken.error.status).toBe(503)

    const metrics = await otel.metrics()
    expect(metrics.get('ajwt.jwks.fetches')?.descriptor).toMatchObject({ unit: '{fetch}', type: 'COUNTER' })
    expect(sorted(pointsOf(metrics.get('ajwt.jwks.fetches')))).toEqual(
      sorted([
        [{ 'ajwt.jwks.fetch.result': 'success' }, 1],
        [{ 'ajwt.jwks.fetch.result': 'failure' }, 1],
      ]),
    )
    expect(sorted(pointsOf(metrics.get('ajwt.store.duration')))).toEqual(
      sorted([
        [{ 'ajwt.store.operation': 'get_keys', 'ajwt.store.type': 'JwksKeyStore' }, 2],
        [{ 'ajwt.store.operation': 'get_keys', 'ajwt.store.type': 'JwksKeyStore', 'error.type': 'store_unavailable' }, 1],
        [{ 'ajwt.store.operation': 'claim', 'ajwt.store.type': 'MemoryNonceStore' }, 2],
      ]),
    )
  })

  it('a jwksFetched hook that throws changes nothing', async () => {
    routes.set('/throwing.json', () => [200, JSON.stringify(toJWKS([]))])
    const keys = new JwksKeyStore({
      url: () => `${origin}/throwing.json`,
      allowHttp: true,
      allowPrivateNetworks: true,
      telemetry: {
        jwksFetched: () => {
          throw new Error('exporter down')
        },
      },
    })
    expect(await keys.getKeys('anyone')).toEqual([])
  })
})

describe('the telemetry seam', () => {
  it('openTelemetry() with the global no-op API (no SDK registered) still verifies, and rejects, as without it', async () => {
    const verifier = billingVerifier(openTelemetry())
    const authorization = await signerOf(billing).authorization()
    const accepted = await verifier.verify(authorization)
    expect(accepted.ok && accepted.auth.username).toBe(USERNAME)
    const replay = await verifier.verify(authorization)
    expect(replay.ok ? 'accepted' : replay.error.code).toBe('replay')
  })

  it('without telemetry, or with nothing to wrap, the verifier is returned as it is', () => {
    const verifier = createVerifier({ keys: new MemoryKeyStore({}), nonces: new MemoryNonceStore() })
    expect(withTelemetry(undefined, verifier)).toBe(verifier)
    expect(withTelemetry({ jwksFetched: () => undefined }, verifier)).toBe(verifier)
    const wrapped = withTelemetry({ wrapVerify: () => async () => ({ ok: false, error: new AjwtError('replay') }) }, verifier)
    expect(wrapped).not.toBe(verifier)
    expect(wrapped.scheme).toBe('JWT')
  })

  it('a custom VerifierTelemetry: wrapVerify gets every argument (request, context) and the hooks still get the context', async () => {
    const calls: unknown[][] = []
    const contexts: unknown[] = []
    const telemetry: VerifierTelemetry = {
      wrapVerify:
        (verify) =>
        (...args) => {
          calls.push(args)
          return verify(...args)
        },
    }
    const verifier = createVerifier<{ id: string }>({
      keys: new MemoryKeyStore({ [USERNAME]: [billing.publicKey] }),
      nonces: new MemoryNonceStore(),
      telemetry,
      onVerified: (_auth, context) => contexts.push(context),
      onRejected: (_error: AjwtError, context) => contexts.push(context),
    })
    const request = { method: 'GET', url: 'https://api.example.com/', headers: new Headers(), hasBody: false }
    await verifier.verify(await signerOf(billing).authorization(), request, { id: 'r1' })
    await verifier.verify(undefined, undefined, { id: 'r2' })
    expect(calls.map((args) => args.length)).toEqual([3, 3])
    expect(calls[0]![1]).toBe(request)
    expect(contexts).toEqual([{ id: 'r1' }, { id: 'r2' }])
  })

  it('wrapKeyStore hands back the very same (frozen) key arrays, so the kid index survives', async () => {
    const store = new MemoryKeyStore({ [USERNAME]: [billing.publicKey] })
    const wrapped = openTelemetry().wrapKeyStore!(store)
    expect(await wrapped.getKeys(USERNAME)).toBe(await store.getKeys(USERNAME))
  })

  it('the main entry never imports @opentelemetry: only src/opentelemetry does', () => {
    const root = new URL('../', import.meta.url)
    const offenders = (readdirSync(root, { recursive: true }) as string[])
      .filter((path) => path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.startsWith('opentelemetry'))
      .filter((path) => /from\s+['"]@opentelemetry\//.test(readFileSync(new URL(path, root), 'utf8')))
    expect(offenders).toEqual([])
  })
})
