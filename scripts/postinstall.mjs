// Runs Electron's own binary download ourselves so that a failed download (offline CI, no
// access to the binary host) is a warning, not a failed `npm install`. package.json's
// allowScripts keeps npm from running electron's postinstall directly.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)
let installJs
try {
  installJs = require.resolve('electron/install.js')
} catch {
  process.exit(0) // production install without devDependencies: nothing to fetch
}
if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  console.warn('[ct-curator] ELECTRON_SKIP_BINARY_DOWNLOAD is set: the desktop window will not be available; `npm start` serves the UI on 127.0.0.1 instead.')
  process.exit(0)
}
const r = spawnSync(process.execPath, [installJs], { stdio: 'inherit', timeout: 10 * 60 * 1000 })
const pathTxt = require.resolve('electron/package.json').replace(/package\.json$/, 'path.txt')
if (r.status !== 0 || !existsSync(pathTxt)) {
  console.warn('[ct-curator] The Electron binary could not be downloaded. Everything except the desktop window works; `npm start` will serve the same UI on 127.0.0.1 instead.')
  process.exit(0)
}

// better-sqlite3 as installed is built for Node (tests, CLI). Electron needs its own ABI: fetch
// (or build) a second copy beside it, which the Electron shell loads via `nativeBinding`.
try {
  const bsDir = dirname(require.resolve('better-sqlite3/package.json'))
  const target = require('electron/package.json').version
  const work = mkdtempSync(join(tmpdir(), 'ctc-sqlite-electron-'))
  cpSync(bsDir, work, { recursive: true, filter: (src) => !src.includes(`${bsDir}/build`) })
  const prebuild = require.resolve('prebuild-install/bin.js')
  let b = spawnSync(process.execPath, [prebuild, '--runtime', 'electron', '--target', target], { cwd: work, stdio: 'inherit' })
  // npm exposes its bundled node-gyp to lifecycle scripts through this variable.
  const gyp = process.env.npm_config_node_gyp
  if (b.status !== 0 && gyp) {
    b = spawnSync(process.execPath, [gyp, 'rebuild', '--release', `--target=${target}`, '--dist-url=https://electronjs.org/headers'], { cwd: work, stdio: 'inherit' })
  }
  const built = join(work, 'build', 'Release', 'better_sqlite3.node')
  if (b.status === 0 && existsSync(built)) {
    const dest = join(dirname(bsDir), '.ct-curator-electron')
    mkdirSync(dest, { recursive: true })
    cpSync(built, join(dest, 'better_sqlite3.node'))
  } else {
    console.warn('[ct-curator] Could not get better-sqlite3 for Electron; the desktop app will fail to open its database.')
  }
  rmSync(work, { recursive: true, force: true })
} catch (err) {
  console.warn(`[ct-curator] Could not prepare better-sqlite3 for Electron: ${err.message}`)
}
process.exit(0)
