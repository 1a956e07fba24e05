import { createSigner } from '@ajwt/core'
import { parseCommandLine, positionals, required, username, type Command } from '../command.ts'
import { readPrivateKey } from '../keys.ts'

export const sign: Command = {
  name: 'sign',
  summary: 'print a fresh signed token (or the whole Authorization value)',
  help: `Usage: ajwt sign --key FILE --user NAME [--passphrase-file FILE] [--header]

Prints a fresh token signed with the private key: {"username", "time", "nonce"}, RS512 for RSA
keys, EdDSA for Ed25519, with the key's kid in the header. Each run makes a new nonce, and a
server accepts each token once, within its time tolerance (20 s by default).

Options:
  -k, --key FILE               the private key: PKCS#8 PEM (plain or encrypted), PKCS#1 PEM,
                               unencrypted OpenSSH Ed25519 or a private JWK; - for stdin (required)
  -u, --user NAME              the username the server knows this key by (required)
      --passphrase-file FILE   passphrase of an encrypted key (first line of FILE)
  -H, --header                 print the whole Authorization value: JWT <token>
  -h, --help                   show this help

Examples:
  ajwt sign --key billing --user billing
  curl -H "Authorization: $(ajwt sign --key billing --user billing --header)" http://127.0.0.1:3000/api`,

  async run(argv, { io, input }) {
    const { values, positionals: rest } = parseCommandLine({
      args: argv,
      allowPositionals: true,
      options: {
        key: { type: 'string', short: 'k' },
        user: { type: 'string', short: 'u' },
        'passphrase-file': { type: 'string' },
        header: { type: 'boolean', short: 'H', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    })
    if (values.help) {
      io.stdout.write(`${this.help}\n`)
      return 0
    }
    positionals(rest, [])
    const keyPath = required(values.key, '--key')
    const user = username(values.user)
    const privateKey = await readPrivateKey(input, keyPath, values['passphrase-file'])
    const signer = createSigner({ username: user, privateKey })
    io.stdout.write(`${values.header ? await signer.authorization() : await signer.token()}\n`)
    return 0
  },
}
