import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const run = promisify(execFile)

it('runs the example: signed requests accepted, replay and tampered token rejected', async () => {
  const main = fileURLToPath(new URL('./main.ts', import.meta.url))
  const { stdout } = await run(process.execPath, [main], { timeout: 30_000 })
  expect(stdout).toMatch(/✔ 1\. signed request \(signer\.fetch\)\s+→ 200 accepted\s+\{"hello":"billing"/)
  expect(stdout).toMatch(/✔ 2\. signed POST with a JSON body\s+→ 201 accepted\s+\{"createdBy":"billing","invoice":\{"total":7\}\}/)
  expect(stdout).toMatch(/✔ 3\. a token sent once\s+→ 200 accepted/)
  expect(stdout).toMatch(/✔ 4\. the same token again \(replay\)\s+→ 401 rejected\s+\{"error":"invalid_token"/)
  expect(stdout).toContain('server log: rejected: replay')
  expect(stdout).toMatch(/✔ 5\. tampered token \(adds role: admin\)\s+→ 401 rejected/)
  expect(stdout).toContain('server log: rejected: invalid_signature')
  expect(stdout).toContain('WWW-Authenticate: JWT error="invalid_token"')
  expect(stdout).not.toContain('✘')
  expect(stdout).toContain('all outcomes as expected')
}, 40_000)
