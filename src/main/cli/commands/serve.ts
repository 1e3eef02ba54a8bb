import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { CuratorError } from '../../../shared/errors'
import { createCore } from '../../core'
import { assertLoopback, startWebHost } from '../../host/webHost'
import { packageRoot } from '../../packageRoot'
import { defaultDbPath } from '../../paths'
import { openDb } from '../../store/db'

/** The built renderer; built on first use so `serve` works straight after `npm install`. */
export function ensureRendererBuilt(): string {
  const dir = join(packageRoot(), 'out', 'renderer')
  if (existsSync(join(dir, 'index.html'))) return dir
  process.stderr.write('Building the user interface once (electron-vite build)…\n')
  const r = spawnSync(process.execPath, [join(packageRoot(), 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
    cwd: packageRoot(),
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  if (r.status !== 0 || !existsSync(join(dir, 'index.html'))) {
    throw new CuratorError('INTERNAL', 'Could not build the renderer; run `npm run build` and look at its errors.')
  }
  return dir
}

export async function runServe(o: { db?: string; create?: boolean; port: number; host: string }): Promise<void> {
  assertLoopback(o.host) // refuse before touching the database
  // A --db that is not there is a typo more often than a wish for an empty database.
  const mustExist = o.db !== undefined && !o.create
  if (mustExist) openDb(o.db!, { mustExist }).close()
  const staticDir = ensureRendererBuilt()
  const core = createCore(o.db ?? defaultDbPath(), { mustExist })
  const host = await startWebHost({ api: core.api, staticDir, port: o.port, host: o.host })
  process.stdout.write(`CT Curator is serving ${core.dbPath}\nOpen ${host.url}\n`)
  const stop = (): void => {
    void host.close().then(() => {
      core.close()
      process.exit(0)
    })
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
