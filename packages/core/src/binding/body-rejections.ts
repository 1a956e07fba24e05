import type { AjwtError } from '../errors/ajwt-error.ts'
import type { BodyBinding } from './types.ts'

// The verifier's onRejected, on the binding it issued, so that a body refused later (as it
// streams) is reported like every other rejection without a hook on the public BodyBinding type.
// A hidden property, not a WeakMap: a WeakMap entry per request costs more, in GC above all.
const HOOK = Symbol('ajwt onRejected')

type Hooked = BodyBinding & { [HOOK]?: (error: AjwtError) => void }

export function reportBodyRejections(binding: BodyBinding, onRejected: (error: AjwtError) => void): void {
  Object.defineProperty(binding, HOOK, { value: onRejected })
}

export function reportBodyRejection(binding: BodyBinding, error: unknown): void {
  const hook = (binding as Hooked)[HOOK]
  if (hook && error instanceof Error && error.name === 'AjwtError') hook(error as AjwtError)
}
