import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const run = promisify(execFile)

it('runs the demo: accepted, replay rejected, tampered rejected, bound body accepted then refused one byte off', async () => {
  const demo = fileURLToPath(new URL('./demo.ts', import.meta.url))
  const { stdout } = await run(process.execPath, [demo], { env: { ...process.env, NO_COLOR: '1' }, timeout: 30_000 })
  expect(stdout).toMatch(/✔ 1\. signed request\s+→ 200 accepted/)
  expect(stdout).toMatch(/✔ 2\. the same token again \(replay\)\s+→ 401 rejected/)
  expect(stdout).toContain('server log: replay')
  expect(stdout).toMatch(/✔ 3\. tampered token.*→ 401 rejected/)
  expect(stdout).toContain('server log: invalid_signature')
  expect(stdout).toMatch(/✔ 5\. signer\.fetch.*→ 200 accepted/)
  expect(stdout).toMatch(/✔ 6\. signer\.fetch POST with a JSON body\s+→ 200 accepted .*"received":\{"invoice":42,"total":7\}/)
  expect(stdout).toMatch(/✔ 7\. bound token, body changed by one byte\s+→ 401 rejected.*\n\s+WWW-Authenticate: JWT error="invalid_token"\n\s+server log: body_mismatch: /)
  expect(stdout).toContain('all outcomes as expected')
}, 40_000)
