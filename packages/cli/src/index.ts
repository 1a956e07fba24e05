export { main, processIo, run, version } from './run.ts'
export type { CliIo } from './io.ts'
export { toOpenSshPublicKey } from './openssh.ts'
