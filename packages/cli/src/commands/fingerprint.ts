import { parseCommandLine, positionals, type Command } from '../command.ts'
import { readPrivateKey, readPublicKey } from '../keys.ts'

const PRIVATE_PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----/

export const fingerprint: Command = {
  name: 'fingerprint',
  summary: 'print the kid of a public key (PEM, OpenSSH line or JWK)',
  help: `Usage: ajwt fingerprint [--passphrase-file FILE] KEY|-

Prints the kid of a key: the lowercase hex SHA-256 of its SubjectPublicKeyInfo PEM, which is
what tokens signed by the matching private key carry in their header (a JWK with its own
"kid" keeps it). KEY is a file or - for stdin, holding a public key in any supported format:
SPKI PEM, PKCS#1 "RSA PUBLIC KEY" PEM, an OpenSSH line or a JWK. A private key is accepted
too (its public half is fingerprinted).

Options:
      --passphrase-file FILE   passphrase of an encrypted private key
  -h, --help                   show this help

Examples:
  ajwt fingerprint billing.pub
  cat billing.pem | ajwt fingerprint -`,

  async run(argv, { io, input }) {
    const { values, positionals: rest } = parseCommandLine({
      args: argv,
      allowPositionals: true,
      options: {
        'passphrase-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    })
    if (values.help) {
      io.stdout.write(`${this.help}\n`)
      return 0
    }
    const [path] = positionals(rest, ['KEY'])
    const text = await input.text(path!, 'key')
    const isPrivate = PRIVATE_PEM.test(text) || /"d"\s*:/.test(text)
    const kid = isPrivate
      ? (await readPrivateKey(input, path!, values['passphrase-file'], text)).kid
      : (await readPublicKey(input, path!, text)).kid
    io.stdout.write(`${kid}\n`)
    return 0
  },
}
