// Plain JavaScript: the CLI's launcher runs it before anything is built or transpiled.
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** Newest modification time under the files a bundle is built from (~200 stats, ~2 ms). */
function newestSource(root) {
  let newest = statSync(join(root, 'package.json')).mtimeMs
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else newest = Math.max(newest, statSync(p).mtimeMs)
    }
  }
  walk(join(root, 'src', 'main'))
  walk(join(root, 'src', 'shared'))
  return newest
}

/** Whether `built` exists and is at least as new as every source file of the repository at `root`. */
export function builtIsFresh(root, built) {
  let builtAt
  try {
    builtAt = statSync(built).mtimeMs
  } catch {
    return false
  }
  try {
    return newestSource(root) <= builtAt
  } catch {
    return false // no source tree (a packaged copy would not need the launcher)
  }
}
