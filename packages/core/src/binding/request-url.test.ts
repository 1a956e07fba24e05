import { describe, expect, it } from 'vitest'
import { requestUrl } from './request-url.ts'
import { splitUrl } from './split-url.ts'
import { normalizeOrigin } from './syntax.ts'

describe('requestUrl', () => {
  it('joins scheme, Host and the raw request-target, as sent', () => {
    expect(requestUrl({ scheme: 'http', host: 'api.example.com', target: '/v1/x?a=1' })).toBe('http://api.example.com/v1/x?a=1')
    expect(requestUrl({ scheme: 'https', host: 'API.example.com:8443', target: '/a/../b%2F?q' })).toBe('https://API.example.com:8443/a/../b%2F?q')
    expect(requestUrl({ scheme: 'http', host: '[::1]:3000', target: '/' })).toBe('http://[::1]:3000/')
    expect(requestUrl({ scheme: 'http', host: '127.0.0.1', target: '//evil.example/x' })).toBe('http://127.0.0.1//evil.example/x')
  })

  it('takes an absolute-form target as it is', () => {
    expect(requestUrl({ scheme: 'http', host: 'ignored', target: 'http://api.example.com/x?y' })).toBe('http://api.example.com/x?y')
    expect(requestUrl({ scheme: 'http', host: undefined, target: 'https://api.example.com' })).toBe('https://api.example.com')
    expect(requestUrl({ scheme: 'http', host: 'h', target: 'http://user@api.example.com/x' })).toBeUndefined()
  })

  it('a missing or invalid Host, or a target that is not a path: undefined', () => {
    const bad: Array<[string | undefined, string]> = [
      [undefined, '/x'],
      ['', '/x'],
      ['a b', '/x'],
      ['user@host', '/x'],
      ['host/path', '/x'],
      ['host:99999', '/x'],
      ['host:port', '/x'],
      ['evil.example, api.example.com', '/x'],
      ['api.example.com', '*'],
      ['api.example.com', 'api.example.com:443'],
      ['api.example.com', ''],
      ['api.example.com', 'x'],
    ]
    for (const [host, target] of bad) expect(requestUrl({ scheme: 'http', host, target }), `${host} ${target}`).toBeUndefined()
    expect(requestUrl({ scheme: 'ftp' as 'http', host: 'h', target: '/' })).toBeUndefined()
  })
})

describe('splitUrl and normalizeOrigin', () => {
  it('keep the path and query raw; empty path is /', () => {
    expect(splitUrl('https://h/a/../b?x=1#f')).toEqual({ scheme: 'https', authority: 'h', path: '/a/../b', query: 'x=1' })
    expect(splitUrl('http://h:80')).toEqual({ scheme: 'http', authority: 'h:80', path: '/', query: '' })
    expect(splitUrl('http://h?')).toEqual({ scheme: 'http', authority: 'h', path: '/', query: '' })
    expect(splitUrl('/relative')).toBeUndefined()
    expect(splitUrl('ws://h/')).toBeUndefined()
    expect(splitUrl(undefined)).toBeUndefined()
  })

  it('normalise the origin as the URL serializer does', () => {
    expect(normalizeOrigin('HTTPS', 'API.Example.com:443')).toBe('https://api.example.com')
    expect(normalizeOrigin('http', 'h:0080')).toBe('http://h')
    expect(normalizeOrigin('http', 'h:443')).toBe('http://h:443')
    expect(normalizeOrigin('https', 'h:')).toBe('https://h')
    expect(normalizeOrigin('https', '[::1]:8443')).toBe('https://[::1]:8443')
    expect(normalizeOrigin('https', 'h:65536')).toBeUndefined()
    expect(normalizeOrigin('https', '')).toBeUndefined()
    expect(normalizeOrigin('file', 'h')).toBeUndefined()
  })
})
