// `npm start`: the desktop app when Electron's binary is installed; otherwise the same UI from
// the web host on 127.0.0.1, with a clear note why.
import { spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)

let electronPath = null
try {
  // Under plain Node, require('electron') returns the binary's path, and throws when it is missing.
  electronPath = require('electron')
} catch (err) {
  console.warn(
    `[ct-curator] The Electron binary is not installed (${String(err.message).split('\n')[0]}).\n` +
      '[ct-curator] Serving the same interface on 127.0.0.1 instead; open the URL below in a browser.\n' +
      '[ct-curator] To get the desktop window, re-run `npm install` with internet access to the Electron download.',
  )
}

const run = (cmd, args) => {
  const child = spawn(cmd, args, { cwd: root, stdio: 'inherit' })
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)))
  for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s))
}

if (electronPath) {
  run(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'preview'])
} else {
  // Build first so the served interface is never older than the source (about 2 s).
  const b = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  if (b.status !== 0) process.exit(b.status ?? 1)
  run(process.execPath, [join(root, 'bin/ct-curator.mjs'), 'serve', ...process.argv.slice(2)])
}
