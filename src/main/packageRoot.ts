import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let cached: string | undefined

/** The folder holding ct-curator's package.json, found by walking up from this module. */
export function packageRoot(): string {
  if (cached) return cached
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pj = join(dir, 'package.json')
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'ct-curator') {
      return (cached = dir)
    }
    const up = dirname(dir)
    if (up === dir) throw new Error('ct-curator package root not found')
    dir = up
  }
}
