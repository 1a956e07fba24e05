export interface PemBlock {
  label: string
  der: Uint8Array<ArrayBuffer>
  headers: boolean
}

const PEM = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/

export function parsePem(text: string): PemBlock | undefined {
  const match = PEM.exec(text)
  if (!match) return undefined
  const body = match[2]!
  if (/^[A-Za-z-]+:/m.test(body)) return { label: match[1]!, der: new Uint8Array(0), headers: true }
  return { label: match[1]!, der: decodeBase64(body.replace(/\s+/g, '')), headers: false }
}

/** The label of the first PEM block in `text`, without decoding its body. */
export function pemLabel(text: string): string | undefined {
  return PEM.exec(text)?.[1]
}

export function toPem(label: string, der: Uint8Array): string {
  const b64 = encodeBase64(der)
  const lines: string[] = []
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64))
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

export function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(b64)
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}

export function encodeBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(binary)
}
