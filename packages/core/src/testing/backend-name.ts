import { backendName as resolved } from '#backend'

/**
 * Which signature backend this copy of @ajwt/core resolved through its `#backend` import:
 * `'node:crypto'` under the `node` export condition, `'webcrypto'` everywhere else (workerd, Deno,
 * browsers). For tests that must prove which one ran; not part of the public API.
 *
 * @example
 * ```ts
 * import { backendName } from '@ajwt/core/testing'
 * it('verifies through WebCrypto inside workerd', () => expect(backendName).toBe('webcrypto'))
 * ```
 */
export const backendName: 'node:crypto' | 'webcrypto' = resolved
