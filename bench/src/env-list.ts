/** A comma-separated list from the environment, each item one of `allowed`; `fallback` when unset or empty. */
export function envList<T extends string>(value: string | undefined, allowed: readonly T[], fallback: readonly T[], name: string): T[] {
  if (!value) return [...fallback]
  const items = value.split(',').map((s) => s.trim()).filter(Boolean)
  for (const item of items) if (!allowed.includes(item as T)) throw new Error(`${name}: unknown "${item}" (one of ${allowed.join(', ')})`)
  return items as T[]
}
