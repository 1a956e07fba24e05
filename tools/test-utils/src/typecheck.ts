import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const formatHost: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (fileName) => fileName,
  getCurrentDirectory: () => ts.sys.getCurrentDirectory(),
  getNewLine: () => '\n',
}

/**
 * What `tsc -p tsconfig --noEmit` reports, one formatted message per error: `[]` when the project
 * compiles. For type tests that cannot share the package's own program, such as the adapter's
 * sources compiled against another major of its framework's types (a tsconfig whose `paths` map
 * `express` to `@types/express` 4).
 *
 * @example
 * expect(typeErrors(new URL('../test/express4/tsconfig.json', import.meta.url))).toEqual([])
 */
export function typeErrors(tsconfig: URL): string[] {
  const file = fileURLToPath(tsconfig)
  const config = ts.getParsedCommandLineOfConfigFile(file, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.formatDiagnostic(diagnostic, formatHost))
    },
  })
  if (!config) throw new Error(`cannot read ${file}`)
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options })
  return [...config.errors, ...ts.getPreEmitDiagnostics(program)].map((diagnostic) => ts.formatDiagnostic(diagnostic, formatHost))
}
