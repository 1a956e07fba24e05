import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const run = promisify(execFile)

it('runs the demo: accepted, replay rejected, tampered rejected', async () => {
  const demo = fileURLToPath(new URL('./demo.ts', import.meta.url))
  const { stdout } = await run(process.execPath, [demo], { env: { ...process.env, NO_COLOR: '1' }, timeout: 30_000 })
  expect(stdout).toMatch(/✔ 1\. signed request\s+→ 200 accepted/)
  expect(stdout).toMatch(/✔ 2\. the same token again \(replay\)\s+→ 401 rejected/)
  expect(stdout).toContain('server log: replay')
  expect(stdout).toMatch(/✔ 3\. tampered token.*→ 401 rejected/)
  expect(stdout).toContain('server log: invalid_signature')
  expect(stdout).toContain('all outcomes as expected')
}, 40_000)
