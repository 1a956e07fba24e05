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

describe('AjwtError: request binding', () => {
  it('every mismatch is a 401 with the same body and challenge as any bad token', async () => {
    const reference = new AjwtError('invalid_signature')
    for (const code of ['method_mismatch', 'url_mismatch', 'query_mismatch', 'body_mismatch', 'binding_required'] as const) {
      const error = new AjwtError(code, 'precise reason')
      expect(error.status).toBe(401)
      expect(error.statusCode).toBe(401)
      expect(error.message).toBe('Unauthorized')
      expect(error.headers).toEqual(reference.headers)
      expect(error.body).toEqual(reference.body)
      expect(await error.toResponse().text()).toBe(await reference.toResponse().text())
    }
  })

  it('survives http-errors writing its status back (Express and Koa body parsers), keeping its own', () => {
    const error = new AjwtError('body_mismatch')
    const written = error as unknown as { status: number; statusCode: number }
    written.status = written.statusCode = 401
    expect(error.statusCode).toBe(401)
    ;(error as unknown as { statusCode: number }).statusCode = 400
    expect(error.statusCode).toBe(401)
  })

  it('body_too_large is a 413 with an invalid_request body and no challenge', async () => {
    const error = new AjwtError('body_too_large', 'over 16777216 bytes')
    expect(error.status).toBe(413)
    expect(error.statusCode).toBe(413)
    expect(error.expose).toBe(true)
    expect(error.message).toBe('Content Too Large')
    expect(error.headers).toEqual({})
    expect(error.body).toEqual({ error: 'invalid_request', message: 'The request body is too large' })
    const res = error.toResponse()
    expect(res.status).toBe(413)
    expect(res.headers.get('www-authenticate')).toBeNull()
    expect(await res.text()).not.toContain('16777216')
  })
})
