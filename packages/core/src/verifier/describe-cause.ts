import { isAjwtError } from '../errors/ajwt-error.ts'

/**
 * Text for a log line about anything thrown, even a value whose toString throws. An AjwtError
 * gives its `detail`: its `message` is the generic text sent to clients ("Service Unavailable").
 */
export function describeCause(cause: unknown): string {
  try {
    if (isAjwtError(cause)) return `${cause.code}: ${cause.detail}`
    return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)
  } catch {
    return 'an unprintable value'
  }
}
