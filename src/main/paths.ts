import { homedir } from 'node:os'
import { join } from 'node:path'

/**
 * Where the database lives when the user does not choose: the same folder Electron's
 * `app.getPath('userData')` gives for an app named ct-curator, so the desktop app, `npm start`'s
 * web fallback and the CLI share one database by default.
 */
export function defaultUserDataDir(): string {
  const home = homedir()
  switch (process.platform) {
    case 'win32':
      return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'ct-curator')
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'ct-curator')
    default:
      return join(process.env.XDG_CONFIG_HOME ?? join(home, '.config'), 'ct-curator')
  }
}

export const defaultDbPath = (): string => join(defaultUserDataDir(), 'ct-curator.sqlite')

/** The reviewer's picture of a result (pipeline/preview.ts), beside a run's volumes. */
export const PREVIEW_FILE = 'preview.png'
