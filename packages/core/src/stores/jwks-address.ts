// Which URL hosts a JwksKeyStore refuses unless `allowPrivateNetworks` is set. Only what the URL
// itself says can be checked: fetch never reveals the address a host name resolved to.

type Ipv4 = readonly [number, number, number, number]

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

// [first octet, second octet low, second octet high] per prefix (second octet range inclusive).
const PRIVATE_IPV4: readonly (readonly [number, number, number, string])[] = [
  [0, 0, 255, '0.0.0.0/8 ("this network")'],
  [10, 0, 255, '10.0.0.0/8 (private)'],
  [100, 64, 127, '100.64.0.0/10 (carrier-grade NAT)'],
  [127, 0, 255, '127.0.0.0/8 (loopback)'],
  [169, 254, 254, '169.254.0.0/16 (link-local, cloud metadata)'],
  [172, 16, 31, '172.16.0.0/12 (private)'],
  [192, 168, 168, '192.168.0.0/16 (private)'],
  [198, 18, 19, '198.18.0.0/15 (benchmarking)'],
]

function ipv4Reason([a, b, c]: Ipv4): string | undefined {
  for (const [first, low, high, name] of PRIVATE_IPV4) {
    if (a === first && b >= low && b <= high) return name
  }
  if (a === 192 && b === 0 && c === 0) return '192.0.0.0/24 (IETF protocol assignments)'
  if (a >= 224) return 'multicast, reserved or broadcast'
  return undefined
}

function parseIpv4(text: string): Ipv4 | undefined {
  const match = IPV4.exec(text)
  if (!match) return undefined
  const octets = match.slice(1).map(Number)
  return octets.every((n) => n <= 255) ? (octets as unknown as Ipv4) : undefined
}

/** The eight 16-bit groups of an IPv6 literal (brackets and zone removed), or undefined. */
export function parseIpv6(text: string): number[] | undefined {
  let body = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text
  const zone = body.indexOf('%')
  if (zone >= 0) body = body.slice(0, zone)
  if (!body.includes(':')) return undefined
  const halves = body.split('::')
  if (halves.length > 2) return undefined
  const parse = (part: string): number[] | undefined => {
    if (part === '') return []
    const groups: number[] = []
    const pieces = part.split(':')
    for (const [i, piece] of pieces.entries()) {
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIpv4(piece)
        if (!v4) return undefined
        groups.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3])
      } else if (/^[0-9a-f]{1,4}$/i.test(piece)) {
        groups.push(Number.parseInt(piece, 16))
      } else {
        return undefined
      }
    }
    return groups
  }
  const head = parse(halves[0]!)
  const tail = halves.length === 2 ? parse(halves[1]!) : []
  if (!head || !tail) return undefined
  if (halves.length === 1) return head.length === 8 ? head : undefined
  const missing = 8 - head.length - tail.length
  return missing >= 1 ? [...head, ...new Array<number>(missing).fill(0), ...tail] : undefined
}

function embeddedIpv4(high: number, low: number): Ipv4 {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff]
}

function ipv6Reason(g: readonly number[]): string | undefined {
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0)
  if (zeroUpTo(8)) return ':: (unspecified)'
  if (zeroUpTo(7) && g[7] === 1) return '::1 (loopback)'
  const embedded = (label: string, v4: Ipv4) => {
    const reason = ipv4Reason(v4)
    return reason && `${label} of ${v4.join('.')}: ${reason}`
  }
  if (zeroUpTo(5) && g[5] === 0xffff) return embedded('IPv4-mapped form', embeddedIpv4(g[6]!, g[7]!))
  if (zeroUpTo(4) && g[4] === 0xffff && g[5] === 0) return embedded('IPv4-translated form', embeddedIpv4(g[6]!, g[7]!))
  if (zeroUpTo(6)) return embedded('IPv4-compatible form', embeddedIpv4(g[6]!, g[7]!))
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) {
    return embedded('NAT64 form', embeddedIpv4(g[6]!, g[7]!))
  }
  // RFC 8215: translators behind this prefix are local by definition, whatever IPv4 they embed.
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 0x0001) return '64:ff9b:1::/48 (local-use NAT64)'
  if (g[0] === 0x2002) return embedded('6to4 form', embeddedIpv4(g[1]!, g[2]!))
  const first = g[0]!
  if ((first & 0xfe00) === 0xfc00) return 'fc00::/7 (unique local)'
  if ((first & 0xffc0) === 0xfe80) return 'fe80::/10 (link-local)'
  if ((first & 0xffc0) === 0xfec0) return 'fec0::/10 (site-local)'
  if ((first & 0xff00) === 0xff00) return 'ff00::/8 (multicast)'
  return undefined
}

/**
 * Why a URL host (as `URL#hostname` gives it: lowercase, IPv4 normalised, IPv6 in brackets) is a
 * loopback, private, link-local or otherwise non-public destination; undefined when it is not.
 */
export function privateHostReason(hostname: string): string | undefined {
  const host = hostname.toLowerCase().replace(/\.+$/, '')
  if (host === 'localhost' || host.endsWith('.localhost')) return `${host} (loopback name)`
  const v4 = parseIpv4(host)
  if (v4) return ipv4Reason(v4)
  const v6 = host.includes(':') ? parseIpv6(host) : undefined
  if (v6) return ipv6Reason(v6)
  if (host.includes(':')) return 'an unreadable IPv6 address'
  return undefined
}
