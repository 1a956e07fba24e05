import {
  type Attributes,
  type Counter,
  context,
  type Histogram,
  type MeterProvider,
  metrics,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api'
import type { KeyStore, NonceStore } from '../stores/types.ts'
import type { JwksFetchEvent, VerifierTelemetry } from '../verifier/telemetry.ts'
import type { Verifier, VerifyResult } from '../verifier/types.ts'

/**
 * Options of {@link openTelemetry}.
 *
 * @example
 * ```ts
 * const options: OpenTelemetryOptions = { meterProvider, tracerProvider, enduserId: false }
 * ```
 */
export interface OpenTelemetryOptions {
  /** Default: the global one (`metrics.getMeterProvider()`), read when the first request is verified. */
  meterProvider?: MeterProvider
  /** Default: the global one (`trace.getTracerProvider()`), read when the first request is verified. */
  tracerProvider?: TracerProvider
  /**
   * Set the span attribute `enduser.id` to the verified username. Default false: a username
   * identifies a client, so whether it goes to your tracing backend is yours to decide. Metrics
   * never carry it, whatever this says.
   */
  enduserId?: boolean
}

/** The instrumentation scope of the meter and the tracer. */
const SCOPE = '@ajwt/core'
const SPAN_NAME = 'ajwt authenticate'
const RESULT = 'ajwt.authentication.result'
const ERROR_TYPE = 'error.type'
const OTHER = '_OTHER'
// An Ed25519 check costs ~0.15 ms, a network store ~1 ms: finer than the HTTP defaults below 5 ms.
const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const SUCCESS: Attributes = Object.freeze({ [RESULT]: 'success' })
const JWKS_RESULT = 'ajwt.jwks.fetch.result'
const JWKS_SUCCESS: Attributes = Object.freeze({ [JWKS_RESULT]: 'success' })
const JWKS_FAILURE: Attributes = Object.freeze({ [JWKS_RESULT]: 'failure' })

interface Instruments {
  tracer: Tracer
  authentication: Histogram
  store: Histogram
  jwks: Counter
}

/**
 * Metrics and traces through `@opentelemetry/api` (an optional peer dependency: install it, and an
 * OpenTelemetry SDK to export what is recorded; without an SDK the API's no-op meter and tracer
 * make this cost next to nothing). Give the result to `createVerifier` or any adapter as
 * `telemetry`, and to a `JwksKeyStore` to count its fetches.
 *
 * Metrics (modelled on ASP.NET Core's `aspnetcore.authentication.authenticate.duration`):
 * - `ajwt.authentication.duration` (histogram, `s`): each `verify`, with `ajwt.authentication.result`
 *   `success` or `failure`, and on failure `error.type`, the `AjwtError` code (`replay`,
 *   `unknown_user`, `invalid_signature`, `store_unavailable`, …). Rejections found while a bound
 *   body streams, after `verify` answered, are not in it.
 * - `ajwt.store.duration` (histogram, `s`): each store call, with `ajwt.store.operation`
 *   (`get_keys` for the KeyStore, `claim` for the NonceStore), `ajwt.store.type` (the store's class
 *   name, `custom` for a plain object) and, when the call throws, `error.type` (an `AjwtError`'s
 *   code, else the error's `name`).
 * - `ajwt.jwks.fetches` (counter, `{fetch}`): each fetch of a `JwksKeyStore` given this telemetry,
 *   with `ajwt.jwks.fetch.result` `success` or `failure`.
 *
 * Spans: one `ajwt authenticate` span (kind INTERNAL) per `verify`, the store calls running in its
 * context, with `ajwt.authentication.result`; on failure status ERROR and `error.type`. Never the
 * token; the username only as `enduser.id` with `enduserId: true`, and never in a metric.
 *
 * @example
 * ```ts
 * import { createVerifier, MemoryKeyStore, MemoryNonceStore } from '@ajwt/core'
 * import { openTelemetry } from '@ajwt/core/opentelemetry'
 *
 * const verifier = createVerifier({ keys, nonces: new MemoryNonceStore(), telemetry: openTelemetry() })
 * app.use(ajwt({ keys, nonces, telemetry: openTelemetry({ meterProvider, tracerProvider }) }))
 * ```
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): VerifierTelemetry {
  const enduserId = options.enduserId === true
  let instruments: Instruments | undefined
  // Read on first use, not here: a global MeterProvider registered after createVerifier still counts.
  const use = (): Instruments => (instruments ??= createInstruments(options))

  const recordStore = (attributes: Attributes, start: number, error?: unknown): void => {
    try {
      const seconds = (performance.now() - start) / 1000
      use().store.record(seconds, error === undefined ? attributes : { ...attributes, [ERROR_TYPE]: errorType(error) })
    } catch {
      // Telemetry never changes an answer.
    }
  }

  const timed = <T>(attributes: Attributes, call: () => Promise<T>): Promise<T> => {
    const start = performance.now()
    let pending: Promise<T>
    try {
      pending = call()
    } catch (error) {
      recordStore(attributes, start, error ?? OTHER)
      throw error
    }
    return Promise.resolve(pending).then(
      (value) => {
        recordStore(attributes, start)
        return value
      },
      (error: unknown) => {
        recordStore(attributes, start, error ?? OTHER)
        throw error
      },
    )
  }

  return {
    wrapVerify<Context>(verify: Verifier<Context>['verify']): Verifier<Context>['verify'] {
      return (...args) => {
        const { tracer, authentication } = use()
        const span = tracer.startSpan(SPAN_NAME, { kind: SpanKind.INTERNAL })
        const start = performance.now()
        return context
          .with(trace.setSpan(context.active(), span), () => verify(...args))
          .then((result: VerifyResult) => {
            try {
              finish(result, (performance.now() - start) / 1000)
            } catch {
              // Telemetry never changes an answer.
            }
            return result
          })

        function finish(result: VerifyResult, seconds: number): void {
          if (result.ok) {
            authentication.record(seconds, SUCCESS)
            span.setAttribute(RESULT, 'success')
            if (enduserId) span.setAttribute('enduser.id', result.auth.username)
          } else {
            const failure = { [RESULT]: 'failure', [ERROR_TYPE]: result.error.code }
            authentication.record(seconds, failure)
            span.setAttributes(failure)
            span.setStatus({ code: SpanStatusCode.ERROR, message: result.error.code })
          }
          span.end()
        }
      }
    },

    wrapKeyStore(keys: KeyStore): KeyStore {
      const attributes = storeAttributes('get_keys', keys)
      return { getKeys: (username, hint) => timed(attributes, () => keys.getKeys(username, hint)) }
    },

    wrapNonceStore(nonces: NonceStore): NonceStore {
      const attributes = storeAttributes('claim', nonces)
      return { claim: (claim) => timed(attributes, () => nonces.claim(claim)) }
    },

    jwksFetched(event: JwksFetchEvent): void {
      use().jwks.add(1, event.result === 'success' ? JWKS_SUCCESS : JWKS_FAILURE)
    },
  }
}

function createInstruments(options: OpenTelemetryOptions): Instruments {
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE)
  return {
    tracer: (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE),
    authentication: meter.createHistogram('ajwt.authentication.duration', {
      description: 'The duration of authenticating a request (verify), by result.',
      unit: 's',
      advice: { explicitBucketBoundaries: BUCKETS },
    }),
    store: meter.createHistogram('ajwt.store.duration', {
      description: 'The duration of a key store or nonce store call made by the verifier.',
      unit: 's',
      advice: { explicitBucketBoundaries: BUCKETS },
    }),
    jwks: meter.createCounter('ajwt.jwks.fetches', {
      description: 'The JWKS documents a JwksKeyStore fetched, by result.',
      unit: '{fetch}',
    }),
  }
}

function storeAttributes(operation: 'get_keys' | 'claim', store: object): Attributes {
  const name: unknown = Object.getPrototypeOf(store)?.constructor?.name
  const type = typeof name === 'string' && name !== '' && name !== 'Object' ? name : 'custom'
  return Object.freeze({ 'ajwt.store.operation': operation, 'ajwt.store.type': type })
}

/** Low cardinality: an AjwtError's code, else the error's name (`Error`, `TimeoutError`, …). */
function errorType(error: unknown): string {
  if (!(error instanceof Error)) return OTHER
  const code = (error as { code?: unknown }).code
  if (error.name === 'AjwtError' && typeof code === 'string') return code
  return typeof error.name === 'string' && error.name !== '' && error.name.length <= 64 ? error.name : OTHER
}
