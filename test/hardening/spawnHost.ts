import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'

/** Starts hostChild.ts; resolves with its port once it listens. */
export async function spawnProbeHost(workDir: string): Promise<{ child: ChildProcess; port: number; exited: () => boolean }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'hostChild.ts'), workDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let exited = false
  child.once('exit', () => (exited = true))
  let err = ''
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  const port = await new Promise<number>((ok, fail) => {
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const line = out.split('\n').find((l) => l.startsWith('{'))
      if (line) ok((JSON.parse(line) as { port: number }).port)
    })
    child.once('exit', (code) => fail(new Error(`host exited with ${code}: ${err}`)))
  })
  return { child, port, exited: () => exited }
}
