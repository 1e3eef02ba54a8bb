/**
 * The desktop shell's security policy as plain data and pure functions: which URLs the window
 * may show or hand to the system browser, what a page may ask for, the window's options and
 * the Electron fuses of a packaged build. No `electron` import, so vitest checks every rule
 * here without the Electron binary; app.ts only wires these into Electron's handlers.
 */

/** Sites the app may open in the user's browser (help links); anything else is dropped. */
export const EXTERNAL_ALLOWLIST: readonly string[] = ['github.com', 'www.kaggle.com', 'wiki.cancerimagingarchive.net', 'www.cancerimagingarchive.net']

/** https only, an allowlisted host exactly (no look-alike suffix), no credentials, default port. */
export function isAllowedExternal(url: string): boolean {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return false
  }
  return u.protocol === 'https:' && u.username === '' && u.password === '' && u.port === '' && EXTERNAL_ALLOWLIST.includes(u.hostname)
}

export interface RendererLocation {
  /** file:// URL of the built index.html. */
  rendererFileUrl: string
  /** electron-vite's dev server (ELECTRON_RENDERER_URL), only in development. */
  devUrl?: string
}

/**
 * Our own page: the built index.html itself (any query or hash), or in development a page of
 * the dev server's exact origin — not any URL that merely starts with its text
 * (`http://localhost:5173.evil.example/` does).
 */
export function isTrustedRendererUrl(url: string, loc: RendererLocation): boolean {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return false
  }
  if (loc.devUrl) {
    const dev = new URL(loc.devUrl)
    if (u.origin === dev.origin && (u.protocol === 'http:' || u.protocol === 'https:')) return true
  }
  const file = new URL(loc.rendererFileUrl)
  return u.protocol === 'file:' && u.host === file.host && u.pathname === file.pathname
}

/**
 * will-navigate, will-redirect, will-frame-navigate: the window shows our page and nothing
 * else. A link to an allowlisted site opens in the browser instead; every other URL is dropped.
 */
export function navigationDecision(url: string, loc: RendererLocation): 'allow' | 'external' | 'deny' {
  if (isTrustedRendererUrl(url, loc)) return 'allow'
  return isAllowedExternal(url) ? 'external' : 'deny'
}

/** window.open: never a new Electron window; an allowlisted https link goes to the browser. */
export function windowOpenDecision(url: string): { action: 'deny'; openExternal: boolean } {
  return { action: 'deny', openExternal: isAllowedExternal(url) }
}

/**
 * Camera, microphone, geolocation, notifications, clipboard, MIDI, HID, serial…: the app needs
 * none, so every request and every check is refused. Folders are chosen through the main
 * process's native dialog, never a page permission.
 */
export const grantPermission = (_permission: string): boolean => false

/** The BrowserWindow's options; `preload` is the built preload script's path. */
export function windowOptions(preload: string) {
  return {
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'CT Curator',
    backgroundColor: '#101418',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  } as const
}

/**
 * Electron fuses for a packaged build (`npm run fuses -- <electron binary>`, see
 * src/main/electron/fuses.ts), keyed by @electron/fuses' FuseV1Options names. The binary cannot be
 * downloaded here, so the packaging step flips them; nothing at runtime depends on them.
 */
export const FUSES = {
  /** ELECTRON_RUN_AS_NODE would turn the signed app into a plain Node for any local program. */
  RunAsNode: false,
  /** Cookies and local storage encrypted with an OS-held key. */
  EnableCookieEncryption: true,
  /** NODE_OPTIONS (--require, --inspect…) from the environment ignored. */
  EnableNodeOptionsEnvironmentVariable: false,
  /** --inspect and friends on the command line ignored. */
  EnableNodeCliInspectArguments: false,
  /** app.asar checked against the hash embedded at packaging (macOS, Windows). */
  EnableEmbeddedAsarIntegrityValidation: true,
  /** Code comes from app.asar only, never a loose app folder beside it. */
  OnlyLoadAppFromAsar: true,
  LoadBrowserProcessSpecificV8Snapshot: false,
  /**
   * Kept on: the renderer is loaded from file:// and fetches its own assets (wasm codecs) there.
   * Turning it off needs a custom app:// protocol first.
   */
  GrantFileProtocolExtraPrivileges: true,
} as const satisfies Record<string, boolean>
