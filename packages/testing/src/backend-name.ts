import { backendName as resolved } from '@ajwt/core/backend-name'

/**
 * Which signature backend the copy of @ajwt/core that these suites test resolved through its
 * `#backend` import: `'node:crypto'` under the `node` export condition, `'webcrypto'` everywhere
 * else (workerd, Deno, browsers). For tests that must prove which one ran.
 *
 * @example
 * ```ts
 * import { backendName } from '@ajwt/testing'
 * it('verifies through WebCrypto inside workerd', () => expect(backendName).toBe('webcrypto'))
 * ```
 */
export const backendName: 'node:crypto' | 'webcrypto' = resolved
