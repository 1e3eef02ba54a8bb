/**
 * The Electron shell: window, IPC transport, security settings. The only folder that imports
 * `electron`; everything it calls is the same core the CLI and web host use.
 */
import { app, BrowserWindow, dialog, ipcMain, session, shell, type WebFrameMain } from 'electron'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { API_EVENTS, API_METHODS, channelOf } from '../../shared/api'
import { createCore, type Core } from '../core'
import { dispatch } from '../router'
import { grantPermission, isTrustedRendererUrl, navigationDecision, windowOpenDecision, windowOptions } from './policy'
import { utilityWorkerFactory } from './utilityWorker'

const here = dirname(fileURLToPath(import.meta.url))
const rendererHtml = join(here, '../renderer/index.html')
const devUrl = process.env.ELECTRON_RENDERER_URL

// Single instance: a second launch focuses the first instead of opening the database twice.
if (!app.requestSingleInstanceLock()) app.quit()

let core: Core | undefined

const rendererLocation = { rendererFileUrl: pathToFileURL(rendererHtml).href, devUrl }

/** IPC is answered only for our own page, never for a frame that navigated elsewhere. */
function trustedSender(frame: WebFrameMain | null): boolean {
  return !!frame && isTrustedRendererUrl(frame.url, rendererLocation)
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow(windowOptions(join(here, '../preload/index.cjs')))
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

/** Navigation of any kind (link, redirect, a frame's): our page only; allowlisted sites open in the browser. */
function guardNavigation(e: { preventDefault(): void }, url: string): void {
  const decision = navigationDecision(url, rendererLocation)
  if (decision === 'allow') return
  e.preventDefault()
  if (decision === 'external') void shell.openExternal(url)
}

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-navigate', (e) => guardNavigation(e, e.url))
  contents.on('will-redirect', (e) => guardNavigation(e, e.url))
  contents.on('will-frame-navigate', (e) => guardNavigation(e, e.url))
  contents.on('will-attach-webview', (e) => e.preventDefault())
  contents.setWindowOpenHandler(({ url }) => {
    const d = windowOpenDecision(url)
    if (d.openExternal) void shell.openExternal(url)
    return { action: d.action }
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
  session.defaultSession.setPermissionRequestHandler((_wc, permission, cb) => cb(grantPermission(permission)))
  session.defaultSession.setPermissionCheckHandler((_wc, permission) => grantPermission(permission))
  const dbPath = process.env.CT_CURATOR_DB ?? join(app.getPath('userData'), 'ct-curator.sqlite')
  core = createCore(dbPath, {
    nativeBinding: electronSqliteBinding(),
    spawnWorker: utilityWorkerFactory(),
    // The first screen's Browse…: the native dialog, folders only, never a file the page names.
    pickFolder: async () => {
      const win = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0]
      const opts = { title: 'Folder of patient folders', properties: ['openDirectory' as const] }
      const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts)
      return r.canceled ? null : (r.filePaths[0] ?? null)
    },
  })
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
