import { writeFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/tmp'
import { applyFuses } from './fuses'
import {
  FUSES,
  grantPermission,
  isAllowedExternal,
  isTrustedRendererUrl,
  navigationDecision,
  windowOpenDecision,
  windowOptions,
} from './policy'

const prod = { rendererFileUrl: 'file:///opt/CT%20Curator/resources/app.asar/out/renderer/index.html' }
const dev = { ...prod, devUrl: 'http://localhost:5173/' }

describe('desktop shell policy', () => {
  it('opens only allowlisted https sites in the browser', () => {
    expect(isAllowedExternal('https://github.com/org/repo/issues')).toBe(true)
    for (const bad of [
      'http://github.com/', // not https
      'https://github.com.evil.example/', // look-alike suffix
      'https://evilgithub.com/',
      'https://user:pw@github.com/', // credentials
      'https://github.com:8443/', // odd port
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://server/share',
      'https://example.org/',
      'not a url',
    ]) {
      expect(isAllowedExternal(bad), bad).toBe(false)
    }
  })

  it('trusts the dev server by exact origin, not by text prefix', () => {
    expect(isTrustedRendererUrl('http://localhost:5173/#/case/3', dev)).toBe(true)
    expect(isTrustedRendererUrl('http://localhost:5173.evil.example/', dev)).toBe(false)
    expect(isTrustedRendererUrl('http://localhost:51730/', dev)).toBe(false)
    expect(isTrustedRendererUrl('http://localhost:5173@evil.example/', dev)).toBe(false)
    expect(isTrustedRendererUrl('http://localhost:5173/', prod)).toBe(false) // no dev server in production
  })

  it('trusts the built index.html only, with any query or hash', () => {
    expect(isTrustedRendererUrl(`${prod.rendererFileUrl}?scan=3#x`, prod)).toBe(true)
    expect(isTrustedRendererUrl('file:///opt/CT%20Curator/resources/app.asar/out/renderer/other.html', prod)).toBe(false)
    expect(isTrustedRendererUrl('file:///tmp/evil/index.html', prod)).toBe(false)
  })

  it('navigation and redirects: our page stays, allowlisted links go to the browser, the rest is dropped', () => {
    expect(navigationDecision(`${prod.rendererFileUrl}#a`, prod)).toBe('allow')
    expect(navigationDecision('https://github.com/x', prod)).toBe('external')
    expect(navigationDecision('https://evil.example/', prod)).toBe('deny')
    expect(navigationDecision('file:///etc/passwd', prod)).toBe('deny')
    expect(windowOpenDecision('https://github.com/x')).toEqual({ action: 'deny', openExternal: true })
    expect(windowOpenDecision('https://evil.example/')).toEqual({ action: 'deny', openExternal: false })
  })

  it('refuses every permission', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'midi', 'hid', 'serial', 'fileSystem', 'openExternal']) {
      expect(grantPermission(p), p).toBe(false)
    }
  })

  it('window: isolated, sandboxed, no Node anywhere, web security on', () => {
    const w = windowOptions('/x/preload.cjs').webPreferences
    expect(w).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    })
  })

  it('the packaging step flips every fuse on a binary and reads them back', async () => {
    // A stand-in for the Electron binary: @electron/fuses finds the wire after its sentinel
    // (version 1, 8 fuses, all "enabled" as shipped).
    const dir = tempDir()
    const bin = join(dir, 'electron')
    const sentinel = Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX', 'latin1')
    writeFileSync(bin, Buffer.concat([Buffer.alloc(64, 0x90), sentinel, Buffer.from([1, 8]), Buffer.alloc(8, 0x31), Buffer.alloc(64, 0x90)]))
    const wire = await applyFuses(bin)
    expect(wire).toEqual(Object.fromEntries(Object.entries(FUSES).map(([k, v]) => [k, v ? 'on' : 'off'])))
    expect(wire.RunAsNode).toBe('off')
    expect(wire.EnableCookieEncryption).toBe('on')
    expect(wire.EnableEmbeddedAsarIntegrityValidation).toBe('on')
    expect(readFileSync(bin).length).toBe(64 + 32 + 2 + 8 + 64) // patched in place
  })
})
