import { describe, expect, it } from 'vitest'
import { AjwtError } from './ajwt-error.ts'

describe('AjwtError.toResponse', () => {
  it('answers a 401 with the generic body and WWW-Authenticate, whatever the reason', async () => {
    const unknown = new AjwtError('unknown_user', 'no keys for mallory').toResponse()
    const forged = new AjwtError('invalid_signature', 'bad signature').toResponse()
    for (const res of [unknown, forged]) {
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toBe('JWT error="invalid_token"')
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    }
    expect(await unknown.text()).toBe(await forged.text())
  })

  it('answers a store outage with 503 and Retry-After, without the store error', async () => {
    const res = new AjwtError('store_unavailable', 'ECONNREFUSED 10.0.0.7:6379').toResponse()
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('1')
    const body = await res.text()
    expect(JSON.parse(body)).toEqual({ error: 'temporarily_unavailable', message: 'Authentication is temporarily unavailable' })
    expect(body).not.toContain('ECONNREFUSED')
  })
})
