import { generateKeyPairSync } from 'node:crypto'
import { Readable } from 'node:stream'
import { importPublicKey } from '@ajwt/core'
import { describe, expect, it } from 'vitest'
import { run, type CliIo } from './index.ts'

function memoryIo(input = ''): CliIo & { out: () => string; err: () => string } {
  let out = ''
  let err = ''
  return {
    stdin: Readable.from([Buffer.from(input)]),
    stdout: { write: (chunk) => (out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString()) },
    stderr: { write: (chunk) => (err += chunk) },
    out: () => out,
    err: () => err,
  }
}

describe('run (the programmatic entry)', () => {
  it('runs a command on the given streams and resolves to its exit code', async () => {
    const pem = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString()
    const io = memoryIo(pem)
    expect(await run(['fingerprint', '-'], io)).toBe(0)
    expect(io.out()).toBe(`${(await importPublicKey(pem)).kid}\n`)
    expect(io.err()).toBe('')
  })

  it('never throws: failures resolve to 1 or 2 with one line on stderr', async () => {
    const bad = memoryIo('not a key')
    expect(await run(['fingerprint', '-'], bad)).toBe(1)
    expect(bad.err()).toMatch(/^ajwt fingerprint: stdin: unrecognised public key[^\n]*\n$/)
    const usage = memoryIo()
    expect(await run(['sign', '--nope'], usage)).toBe(2)
    expect(usage.err()).toMatch(/^ajwt sign: Unknown option '--nope'[^\n]*\n$/)
  })
})
