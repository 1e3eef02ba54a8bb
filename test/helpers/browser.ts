import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { PNG } from 'pngjs'

/** Debian's Chromium with the flags under which it runs headless here (see docs/stack.md). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
    // playwright gives every launch a fresh temporary profile (it forbids --user-data-dir here)
    ],
  })
}

export interface PixelStats {
  width: number
  height: number
  /** Standard deviation of luma over all pixels: ~0 for a blank page. */
  lumaStd: number
  /** Distinct colours after quantising each channel to 5 bits. */
  colours: number
}

export function pixelStats(png: Buffer): PixelStats {
  const img = PNG.sync.read(png)
  const n = img.width * img.height
  let sum = 0
  let sum2 = 0
  const seen = new Set<number>()
  for (let i = 0; i < n; i++) {
    const r = img.data[4 * i]!
    const g = img.data[4 * i + 1]!
    const b = img.data[4 * i + 2]!
    const y = 0.299 * r + 0.587 * g + 0.114 * b
    sum += y
    sum2 += y * y
    seen.add(((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3))
  }
  const mean = sum / n
  return { width: img.width, height: img.height, lumaStd: Math.sqrt(Math.max(0, sum2 / n - mean * mean)), colours: seen.size }
}

const cliPath = join(import.meta.dirname, '..', '..', 'bin', 'ct-curator.mjs')

/** Runs the real CLI as a child process. */
export function spawnCli(args: string[], opts: { cwd?: string } = {}): ChildProcess {
  return spawn(process.execPath, [cliPath, ...args], { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Starts `ct-curator serve` and resolves with its URL once it prints one. */
export async function startServe(db: string): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawnCli(['serve', '--db', db, '--create', '--port', '0'])
  let out = ''
  let err = ''
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve did not start: ${out}${err}`)), 60_000)
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString()
      const m = /Open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)
      if (m) {
        clearTimeout(timer)
        ok(m[1]!)
      }
    })
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()))
    child.once('exit', (code) => fail(new Error(`serve exited ${code}: ${out}${err}`)))
  })
  return {
    url,
    child,
    stop: () =>
      new Promise((ok) => {
        if (child.exitCode !== null) return ok()
        child.once('exit', () => ok())
        child.kill('SIGTERM')
      }),
  }
}
