import type { AjwtOptions } from '@ajwt/core'

/** The algorithms a configuration can run; tokens for each come from their own key pair. */
export type Alg = 'EdDSA' | 'RS256' | 'RS512'
export type Framework = 'express' | 'koa' | 'fastify' | 'hono'
/**
 * bare: no auth; ceiling: node:crypto by hand; peer: the framework's usual JWT middleware; ajwt with
 * a nonce store: MemoryNonceStore, RedisNonceStore on node-redis or on ioredis, PostgresNonceStore.
 */
export type Kind = 'bare' | 'ceiling' | 'peer' | 'ajwt-memory' | 'ajwt-redis' | 'ajwt-ioredis' | 'ajwt-postgres'

export const ALGS: readonly Alg[] = ['EdDSA', 'RS256', 'RS512']
export const FRAMEWORKS: readonly Framework[] = ['express', 'koa', 'fastify', 'hono']
export const KINDS: readonly Kind[] = ['bare', 'ceiling', 'peer', 'ajwt-memory', 'ajwt-redis', 'ajwt-ioredis', 'ajwt-postgres']
/** The ajwt kinds whose nonce store is shared (a server of its own, on the load generator's core). */
export const SHARED_STORE_KINDS: readonly Kind[] = ['ajwt-redis', 'ajwt-ioredis', 'ajwt-postgres']

export const USERNAME = 'bench'
export const ROUTE = '/api/hello'

/** What a server module gets: everything it needs to build its app, made once at startup. */
export interface ServerContext {
  kind: Kind
  alg: Alg
  /** SPKI PEM of the one user's public key. */
  publicKeyPem: string
  toleranceSeconds: number
  /** Set for the ajwt kinds: the adapter's options (a MemoryKeyStore with the one user, the kind's nonce store, the tolerance). */
  ajwt?: AjwtOptions
}

/** A server listening on 127.0.0.1. */
export interface Started {
  port: number
  close(): Promise<void>
}

/** Every configuration module exports this. */
export type StartServer = (context: ServerContext) => Promise<Started>

/** The peer middleware of each framework, and the algorithms its JWT library verifies. */
export const PEERS: Record<Framework, { name: string; library: string; algs: readonly Alg[]; note?: string }> = {
  express: {
    name: 'express-jwt',
    library: 'jsonwebtoken 9',
    algs: ['RS256', 'RS512'],
    note: 'jsonwebtoken 9.0.3 (under express-jwt 8) has no EdDSA: "Unknown key type \"ed25519\""',
  },
  koa: {
    name: 'koa-jwt',
    library: 'jsonwebtoken 9',
    algs: ['RS256', 'RS512'],
    note: 'jsonwebtoken 9.0.3 (under koa-jwt 4) has no EdDSA: "Unknown key type \"ed25519\""',
  },
  fastify: { name: '@fastify/jwt', library: 'fast-jwt 6', algs: ['EdDSA', 'RS256', 'RS512'] },
  hono: { name: 'hono/jwt', library: 'hono WebCrypto', algs: ['EdDSA', 'RS256', 'RS512'] },
}

/** The Authorization scheme each kind reads: ajwt's `JWT`, the peers' `Bearer`. */
export function schemeOf(kind: Kind): string {
  return kind === 'peer' ? 'Bearer' : 'JWT'
}
