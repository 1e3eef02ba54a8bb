/**
 * bin/ct-curator.mjs picks the built CLI only when no source file is newer than it: a stale
 * build must never run in place of the code in the folder. Checked on a copy of the launcher
 * in a small tree whose "built" and "source" CLIs say which one ran.
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, renameSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from './helpers/tmp'

const REPO = join(import.meta.dirname, '..')

describe('bin/ct-curator.mjs', () => {
  const root = tempDir()
  mkdirSync(join(root, 'bin'))
  mkdirSync(join(root, 'out', 'main'), { recursive: true })
  mkdirSync(join(root, 'src', 'main', 'cli'), { recursive: true })
  mkdirSync(join(root, 'src', 'shared'))
  for (const f of ['ct-curator.mjs', 'buildFreshness.mjs']) copyFileSync(join(REPO, 'bin', f), join(root, 'bin', f))
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'))
  writeFileSync(join(root, 'package.json'), '{"type": "module"}\n')
  writeFileSync(join(root, 'out', 'main', 'cli.js'), 'export async function main() { process.stdout.write("built") }\n')
  writeFileSync(join(root, 'src', 'main', 'cli', 'index.ts'), 'export async function main(): Promise<void> { process.stdout.write("source") }\n')
  writeFileSync(join(root, 'src', 'shared', 'api.ts'), 'export {}\n')
  const setTime = (rel: string, secondsAgo: number): void => {
    const t = new Date(Date.now() - secondsAgo * 1000)
    utimesSync(join(root, rel), t, t)
  }
  const which = (env: NodeJS.ProcessEnv = {}): string =>
    execFileSync(process.execPath, [join(root, 'bin', 'ct-curator.mjs'), '--help'], { env: { ...process.env, CT_CURATOR_FROM_SOURCE: '', ...env } }).toString()

  it('runs the build when it is newer than every source file', () => {
    for (const f of ['package.json', 'src/main/cli/index.ts', 'src/shared/api.ts']) setTime(f, 100)
    setTime('out/main/cli.js', 10)
    expect(which()).toBe('built')
  })

  it('runs the source through tsx when any source file changed since the build', () => {
    setTime('src/shared/api.ts', 1)
    expect(which()).toBe('source')
    setTime('src/shared/api.ts', 100)
    expect(which()).toBe('built')
  })

  it('runs the source when told to, or when there is no build', () => {
    expect(which({ CT_CURATOR_FROM_SOURCE: '1' })).toBe('source')
    renameSync(join(root, 'out', 'main', 'cli.js'), join(root, 'out', 'main', 'cli.js.bak'))
    expect(which()).toBe('source')
  })
})
