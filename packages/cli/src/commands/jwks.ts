import { toJWKS } from '@ajwt/core'
import { parseCommandLine, type Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { readPublicKey } from '../keys.ts'

export const jwks: Command = {
  name: 'jwks',
  summary: 'print a JWKS document for public keys',
  help: `Usage: ajwt jwks PUBKEY|- [PUBKEY…]

Prints a JWKS document ({"keys": [...]}) for the given public keys, each a file (or - for
stdin) in any supported format: SPKI or PKCS#1 PEM, an OpenSSH line, a JWK. Each JWK carries
its kid, "alg" (RS512 or EdDSA) and "use": "sig". Serve it at /.well-known/jwks.json.

Options:
  -h, --help   show this help

Examples:
  ajwt jwks billing.pub reports.pub > jwks.json`,

  async run(argv, { io, input }) {
    const { values, positionals: paths } = parseCommandLine({
      args: argv,
      allowPositionals: true,
      options: { help: { type: 'boolean', short: 'h' } },
    })
    if (values.help) {
      io.stdout.write(`${this.help}\n`)
      return 0
    }
    if (paths.length === 0) throw new UsageError('missing PUBKEY: give at least one public key file')
    const keys = []
    for (const path of paths) keys.push(await readPublicKey(input, path))
    io.stdout.write(`${JSON.stringify(toJWKS(keys), null, 2)}\n`)
    return 0
  },
}
