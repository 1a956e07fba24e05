import { basename } from 'node:path'
import { lstat, rm } from 'node:fs/promises'
import { generateKeyPair, importPublicKey, MAX_RSA_BITS, MIN_RSA_BITS, type PublicKey } from '@ajwt/core'
import { parseCommandLine, positionals, required, type Command } from '../command.ts'
import { CliError, UsageError } from '../errors.ts'
import { writeNewFile } from '../io.ts'
import { toOpenSshPublicKey } from '../openssh.ts'

export const FORMATS = ['openssh', 'pem', 'jwk'] as const
export type PublicKeyFormat = (typeof FORMATS)[number]

export function publicKeyFormat(value: string): PublicKeyFormat {
  if (!(FORMATS as readonly string[]).includes(value)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got ${JSON.stringify(value)})`)
  }
  return value as PublicKeyFormat
}

/** The public key as printed by `keygen` and `fingerprint --format`: the key text, then its kid. */
export function formatPublicKey(key: PublicKey, format: PublicKeyFormat, comment?: string): string {
  if (format === 'jwk') return `${JSON.stringify(key.toJWK(), null, 2)}\n`
  const text = format === 'pem' ? key.toPEM().trimEnd() : toOpenSshPublicKey(key, comment ?? key.comment)
  return `${text}\nkid: ${key.kid}\n`
}

export const keygen: Command = {
  name: 'keygen',
  summary: 'generate a key pair: NAME (private, PKCS#8 PEM, mode 0600) and NAME.pub (OpenSSH)',
  help: `Usage: ajwt keygen --out NAME [--type ed25519|rsa] [--bits N] [--comment TEXT] [--format openssh|pem|jwk] [--force]

Generates a key pair for a client and writes two files:
  NAME       the private key, PKCS#8 PEM, mode 0600: keep it on the client
  NAME.pub   the public key, one OpenSSH line: give it to the server
Then prints the public key and its kid (the fingerprint that tokens carry).

Options:
  -o, --out NAME         where to write the key pair (required)
  -t, --type TYPE        ed25519 (default) or rsa
  -b, --bits N           RSA modulus size: 2048 (default), 3072 or 4096 (at most 8192)
  -C, --comment TEXT     comment of the OpenSSH line (default: the file name)
  -f, --format FORMAT    how to print the public key: openssh (default), pem or jwk
      --force            overwrite NAME and NAME.pub if they exist
  -h, --help             show this help

Examples:
  ajwt keygen --out billing
  ajwt keygen --type rsa --bits 3072 --out billing-rsa --format pem`,

  async run(argv, { io }) {
    const { values, positionals: rest } = parseCommandLine({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        type: { type: 'string', short: 't', default: 'ed25519' },
        bits: { type: 'string', short: 'b' },
        comment: { type: 'string', short: 'C' },
        format: { type: 'string', short: 'f', default: 'openssh' },
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    })
    if (values.help) {
      io.stdout.write(`${this.help}\n`)
      return 0
    }
    positionals(rest, [])
    const out = required(values.out, '--out')
    const type = values.type
    if (type !== 'ed25519' && type !== 'rsa') throw new UsageError(`--type must be ed25519 or rsa (got ${JSON.stringify(type)})`)
    let modulusLength: number | undefined
    if (values.bits !== undefined) {
      if (type !== 'rsa') throw new UsageError('--bits applies to --type rsa only (Ed25519 keys have a fixed size)')
      modulusLength = Number(values.bits)
      if (!Number.isInteger(modulusLength) || modulusLength < MIN_RSA_BITS || modulusLength > MAX_RSA_BITS) {
        throw new UsageError(`--bits must be an integer from ${MIN_RSA_BITS} to ${MAX_RSA_BITS} (2048, 3072 or 4096)`)
      }
    }
    const format = publicKeyFormat(values.format)
    const pubPath = `${out}.pub`
    if (!values.force) {
      for (const path of [out, pubPath]) {
        if (await exists(path)) throw new CliError(`${path} already exists (use --force to overwrite it)`)
      }
    }

    const pair = await generateKeyPair(type, modulusLength === undefined ? {} : { modulusLength })
    const comment = values.comment ?? basename(out)
    const publicKey = await importPublicKey(pair.publicKey, { comment })
    const line = toOpenSshPublicKey(publicKey, comment)
    // The .pub line must name the very key whose kid we print, or servers would reject every token.
    const reimported = await importPublicKey(line)
    if (reimported.kid !== publicKey.kid) {
      throw new CliError(`internal error: the OpenSSH line imports as kid ${reimported.kid}, expected ${publicKey.kid}`)
    }

    await writeNewFile(out, pair.privateKey, 0o600, values.force)
    try {
      await writeNewFile(pubPath, `${line}\n`, 0o644, values.force)
    } catch (error) {
      await rm(out, { force: true })
      throw error
    }
    io.stderr.write(`Wrote ${out} (private key, mode 0600) and ${pubPath} (public key)\n`)
    io.stdout.write(formatPublicKey(publicKey, format, comment))
    return 0
  },
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path)
    return true
  } catch {
    return false
  }
}
