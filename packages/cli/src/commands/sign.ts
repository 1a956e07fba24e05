import { createSigner } from '@ajwt/core'
import { boundRequest, oneStdin, REQUEST_OPTIONS } from '../bound-request.ts'
import { parseCommandLine, positionals, required, username, type Command } from '../command.ts'
import { readPrivateKey } from '../keys.ts'

export const sign: Command = {
  name: 'sign',
  summary: 'print a fresh signed token (or the whole Authorization value)',
  help: `Usage: ajwt sign --key FILE --user NAME [--passphrase-file FILE] [--header]
                 [--method METHOD --url URL [--body-file FILE]]

Prints a fresh token signed with the private key: {"username", "time", "nonce"}, RS512 for RSA
keys, EdDSA for Ed25519, with the key's kid in the header. Each run makes a new nonce, and a
server accepts each token once, within its time tolerance (20 s by default).

With --method and --url the token is bound to that one request: it also carries "htm" (the
method), "htu" (scheme://host[:port]/path), "htq" (SHA-256 of the query, if any) and "htb"
(SHA-256 of the body bytes, if any), and a server that checks binding refuses it for another
method, URL, query or body. Without them the token is unbound, as the Python client's.

Options:
  -k, --key FILE               the private key: PKCS#8 PEM (plain or encrypted), PKCS#1 PEM,
                               unencrypted OpenSSH Ed25519 or a private JWK; - for stdin (required)
  -u, --user NAME              the username the server knows this key by (required)
      --passphrase-file FILE   passphrase of an encrypted key (first line of FILE)
  -H, --header                 print the whole Authorization value: JWT <token>
  -X, --method METHOD          bind the token to a request with this method (needs --url)
      --url URL                ... to this absolute http(s) URL, query included (needs --method)
      --body-file FILE         ... with exactly the bytes of FILE as its body; - for stdin
                               (default: a request without a body)
  -h, --help                   show this help

Examples:
  ajwt sign --key billing --user billing
  curl -H "Authorization: $(ajwt sign --key billing --user billing --header)" http://127.0.0.1:3000/api
  curl -H "Authorization: $(ajwt sign --key billing --user billing --header \\
      --method POST --url http://127.0.0.1:3000/api/invoices --body-file invoice.json)" \\
    -H 'content-type: application/json' --data-binary @invoice.json http://127.0.0.1:3000/api/invoices`,

  async run(argv, { io, input }) {
    const { values, positionals: rest } = parseCommandLine({
      args: argv,
      allowPositionals: true,
      options: {
        key: { type: 'string', short: 'k' },
        user: { type: 'string', short: 'u' },
        'passphrase-file': { type: 'string' },
        header: { type: 'boolean', short: 'H', default: false },
        ...REQUEST_OPTIONS,
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
    if (values['body-file'] === '-') oneStdin({ '--key': keyPath, '--passphrase-file': values['passphrase-file'], '--body-file': '-' })
    const request = await boundRequest(values, input)
    const privateKey = await readPrivateKey(input, keyPath, values['passphrase-file'])
    const signer = createSigner({ username: user, privateKey })
    const bound = request && { method: request.method, url: request.url, body: request.body }
    io.stdout.write(`${values.header ? await signer.authorization(bound) : await signer.token(bound)}\n`)
    return 0
  },
}
