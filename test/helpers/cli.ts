import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
export const CLI = join(import.meta.dirname, '..', '..', 'bin', 'ct-curator.mjs')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs the real `ct-curator` in a child process; never throws on a non-zero exit. */
export async function ct(args: string[], opts: { uid?: number; gid?: number } = {}): Promise<CliResult> {
  try {
    const r = await run(process.execPath, [CLI, ...args], { maxBuffer: 256 * 1024 * 1024, ...opts })
    return { code: 0, ...r }
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string }
    return { code: err.code, stdout: err.stdout, stderr: err.stderr }
  }
}

/** Runs Debian's python (the tutorial's own libraries) and returns stdout. */
export async function python(args: string[]): Promise<string> {
  const r = await run('/usr/bin/python3', args, { maxBuffer: 64 * 1024 * 1024 })
  return r.stdout
}

export async function tool(cmd: string, args: string[]): Promise<CliResult> {
  try {
    const r = await run(cmd, args, { maxBuffer: 64 * 1024 * 1024 })
    return { code: 0, ...r }
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string }
    return { code: err.code, stdout: err.stdout, stderr: err.stderr }
  }
}
