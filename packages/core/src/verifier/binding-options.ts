import { normalizeOrigin } from '../binding/syntax.ts'
import type { BindingPolicy } from '../binding/types.ts'
import { AjwtError } from '../errors/ajwt-error.ts'
import type { VerifierOptions } from './types.ts'

const DEFAULT_MAX_BOUND_BODY_BYTES = 16 * 1024 * 1024
const POLICIES: ReadonlySet<unknown> = new Set<BindingPolicy>(['off', 'if-present', 'required'])
const PATH_PREFIX = /^(?:\/[^/?#\s]+)+\/?$/

/** The request-binding options, checked and normalised once, when the verifier is created. */
export interface BindingConfig {
  policy: 'if-present' | 'required'
  /** Normalised `scheme://host[:port]`; undefined: the request's own origin. */
  origins: readonly string[] | undefined
  /** `''`, or `/segments` without a trailing slash. */
  pathPrefix: string
  trustProxy: boolean
  maxBodyBytes: number
}

/** `undefined` when binding is `'off'` (the options are still checked). */
/** The binding config of one token's user: the verifier's, or what its `binding(username)` says. */
export type BindingConfigFor = (username: string) => BindingConfig | undefined

export function bindingConfig(options: VerifierOptions<never>): BindingConfigFor {
  const { binding } = options
  if (typeof binding !== 'function') {
    const config = fixedConfig(options, binding ?? 'if-present')
    return () => config
  }
  const shared = fixedConfig(options, 'if-present') as BindingConfig
  const required: BindingConfig = { ...shared, policy: 'required' }
  return (username) => {
    const policy = binding(username)
    // Anything but the two weaker policies counts as the strictest: a typo never turns checks off.
    return policy === 'off' ? undefined : policy === 'if-present' ? shared : required
  }
}

function fixedConfig(options: VerifierOptions<never>, policy: BindingPolicy): BindingConfig | undefined {
  if (!POLICIES.has(policy)) {
    throw new AjwtError('invalid_options', "binding must be 'off', 'if-present', 'required' or a function of the username returning one")
  }
  const origins = options.origins === undefined ? undefined : parseOrigins(options.origins)
  const pathPrefix = parsePathPrefix(options.pathPrefix ?? '')
  const trustProxy = options.trustProxy ?? false
  if (typeof trustProxy !== 'boolean') throw new AjwtError('invalid_options', 'trustProxy must be true or false')
  const maxBodyBytes = options.maxBoundBodyBytes ?? DEFAULT_MAX_BOUND_BODY_BYTES
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new AjwtError('invalid_options', 'maxBoundBodyBytes must be a positive integer (bytes)')
  }
  return policy === 'off' ? undefined : { policy, origins, pathPrefix, trustProxy, maxBodyBytes }
}

function parseOrigins(origins: readonly string[]): readonly string[] {
  if (!Array.isArray(origins) || origins.length === 0) {
    throw new AjwtError('invalid_options', "origins must be a non-empty array of origins such as 'https://api.example.com'")
  }
  return Object.freeze([...new Set(origins.map(parseOrigin))])
}

function parseOrigin(text: unknown): string {
  const refuse = (why: string) =>
    new AjwtError('invalid_options', `origins: ${JSON.stringify(text)} ${why}: give scheme://host[:port], e.g. 'https://api.example.com'`)
  if (typeof text !== 'string') throw refuse('is not a string')
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#@\\]+\/?$/.test(text)) throw refuse('is not an origin (a path, query, fragment or user info)')
  // The URL parser writes hosts as clients' URLs do (IDN to punycode, IPv6 compressed).
  const url = URL.parse(text)
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw refuse('is not an http: or https: origin')
  const origin = normalizeOrigin(url.protocol.slice(0, -1), url.host)
  if (origin === undefined) throw refuse('is not an http: or https: origin')
  return origin
}

function parsePathPrefix(prefix: unknown): string {
  if (prefix === '' || prefix === '/') return ''
  if (typeof prefix !== 'string' || !PATH_PREFIX.test(prefix)) {
    throw new AjwtError('invalid_options', "pathPrefix must be a path such as '/api' (no query, fragment or empty segment)")
  }
  return prefix.endsWith('/') ? prefix.slice(0, -1) : prefix
}
