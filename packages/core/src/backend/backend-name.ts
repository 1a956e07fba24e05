import { backendName as resolved } from '#backend'

/**
 * Which signature backend this copy of @ajwt/core resolved through its `#backend` import:
 * `'node:crypto'` under the `node` export condition, `'webcrypto'` everywhere else (workerd, Deno,
 * browsers). A subpath of its own (`@ajwt/core/backend-name`), out of the main entry: for tests
 * and diagnostics that must prove which backend checks signatures (`@ajwt/testing` re-exports it).
 *
 * @example
 * ```ts
 * import { backendName } from '@ajwt/core/backend-name'
 * console.log(`ajwt checks signatures with ${backendName}`) // 'node:crypto' on Node
 * ```
 */
export const backendName: 'node:crypto' | 'webcrypto' = resolved
