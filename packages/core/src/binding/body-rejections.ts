import type { AjwtError } from '../errors/ajwt-error.ts'
import type { BodyBinding } from './types.ts'

// The verifier's onRejected, keyed by the binding it issued, so that a body refused later (as it
// streams) is reported like every other rejection without a hook on the public BodyBinding type.
const hooks = new WeakMap<BodyBinding, (error: AjwtError) => void>()

export function reportBodyRejections(binding: BodyBinding, onRejected: (error: AjwtError) => void): void {
  hooks.set(binding, onRejected)
}

export function reportBodyRejection(binding: BodyBinding, error: unknown): void {
  const hook = hooks.get(binding)
  if (hook && error instanceof Error && error.name === 'AjwtError') hook(error as AjwtError)
}
