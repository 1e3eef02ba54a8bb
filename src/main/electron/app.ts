/**
 * The Electron shell: window, IPC transport, security settings. The only folder that imports
 * `electron`; everything it calls is the same core the CLI and web host use.
 */
import { app, BrowserWindow, ipcMain, session, shell, type WebFrameMain } from 'electron'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { API_EVENTS, API_METHODS, channelOf } from '../../shared/api'
import { createCore, type Core } from '../core'
import { dispatch } from '../router'
import { utilityWorkerFactory } from './utilityWorker'

const here = dirname(fileURLToPath(import.meta.url))
const rendererHtml = join(here, '../renderer/index.html')
const devUrl = process.env.ELECTRON_RENDERER_URL

// Single instance: a second launch focuses the first instead of opening the database twice.
if (!app.requestSingleInstanceLock()) app.quit()

let core: Core | undefined

/** IPC is answered only for our own page, never for a frame that navigated elsewhere. */
function trustedSender(frame: WebFrameMain | null): boolean {
  if (!frame) return false
  const url = frame.url
  if (devUrl && url.startsWith(devUrl)) return true
  return url === pathToFileURL(rendererHtml).href || url.startsWith(pathToFileURL(rendererHtml).href + '#')
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'CT Curator',
    backgroundColor: '#101418',
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  })
  win.once('ready-to-show', () => win.show())
  if (devUrl) void win.loadURL(devUrl)
  else void win.loadFile(rendererHtml)
  return win
}

function wireIpc(c: Core): void {
  for (const method of API_METHODS) {
    ipcMain.handle(channelOf(method), (e, arg: unknown) =>
      trustedSender(e.senderFrame)
        ? dispatch(c.api, method, arg)
        : { ok: false, error: { code: 'BAD_ARGUMENT', message: 'Untrusted sender.' } },
    )
  }
  for (const event of API_EVENTS) {
    c.api[event]((payload) => {
      for (const w of BrowserWindow.getAllWindows()) w.webContents.send(channelOf(event), payload)
    })
  }
}

/**
 * better-sqlite3 built for Node (tests, CLI) has another ABI than Electron needs; the
 * postinstall puts an Electron build beside it when it can.
 */
function electronSqliteBinding(): string | undefined {
  const p = join(here, '../../node_modules/.ct-curator-electron/better_sqlite3.node')
  return existsSync(p) ? p : undefined
}

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-navigate', (e) => e.preventDefault())
  contents.on('will-attach-webview', (e) => e.preventDefault())
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url)
    return { action: 'deny' }
  })
})

app.on('second-instance', () => {
  const w = BrowserWindow.getAllWindows()[0]
  if (w) {
    if (w.isMinimized()) w.restore()
    w.focus()
  }
})

void app.whenReady().then(() => {
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false))
  const dbPath = process.env.CT_CURATOR_DB ?? join(app.getPath('userData'), 'ct-curator.sqlite')
  core = createCore(dbPath, { nativeBinding: electronSqliteBinding(), spawnWorker: utilityWorkerFactory() })
  wireIpc(core)
  createWindow()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow()
  })
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})

app.on('will-quit', () => core?.close())
