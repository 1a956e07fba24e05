import { createSha256 } from '#backend'
import { AjwtError } from '../errors/ajwt-error.ts'
import { reportBodyRejection } from './body-rejections.ts'
import type { BodyBinding } from './types.ts'

/** Checks a body chunk by chunk against what its token binds; each method throws the refusal. */
export interface BodyCheck {
  update(chunk: Uint8Array): void | Promise<void>
  finish(): Promise<void>
}

export function createBodyCheck(binding: BodyBinding): BodyCheck {
  const check = uncheckedBodyCheck(binding)
  let reported = false
  const report = (error: unknown): never => {
    if (!reported) reportBodyRejection(binding, error)
    reported = true
    throw error
  }
  return {
    update(chunk) {
      try {
        const pending = check.update(chunk)
        return pending instanceof Promise ? pending.catch(report) : undefined
      } catch (error) {
        return report(error)
      }
    },
    finish: () => check.finish().catch(report),
  }
}

function uncheckedBodyCheck({ htb, maxBodyBytes }: BodyBinding): BodyCheck {
  const hash = htb === undefined ? undefined : createSha256()
  let size = 0
  return {
    update(chunk) {
      if (!(chunk instanceof Uint8Array)) throw new TypeError('checkBody: the body must be read as bytes (Uint8Array chunks), not text')
      if (chunk.byteLength === 0) return
      if (!hash) throw new AjwtError('body_mismatch', 'the token binds a request without a body, and the request has one')
      size += chunk.byteLength
      if (size > maxBodyBytes) {
        throw bodyTooLarge(maxBodyBytes)
      }
      return hash.update(chunk)
    },
    async finish() {
      if (!hash) return
      if (size === 0) throw new AjwtError('body_mismatch', 'the token binds a body, and the request has none')
      if ((await hash.digest()) !== htb) throw new AjwtError('body_mismatch', 'the body does not match the token\'s "htb" digest')
    },
  }
}

export function bodyTooLarge(maxBodyBytes: number): AjwtError {
  return new AjwtError('body_too_large', `the body is over ${maxBodyBytes} bytes (maxBoundBodyBytes): too large to check its binding`)
}
