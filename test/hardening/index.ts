/**
 * `npm run hardening`: the robustness tallies in one run — fuzz (the `npm run fuzz` harness),
 * kill loops, read-only sources, the web host's hostile probes — each printed as one line, then
 * together at the end. Exits non-zero when any of them found a problem.
 *
 *   npm run hardening [-- --rounds 30] [--cases 5000] [--only fuzz,kill,readonly,host]
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatKillReport, runKillTest } from './killtest'
import { runHostProbes } from './hostProbes'
import { spawnProbeHost } from './spawnHost'

const repo = join(import.meta.dirname, '..', '..')
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name)
  return i > 0 ? process.argv[i + 1] : undefined
}
const only = new Set((arg('--only') ?? 'fuzz,kill,readonly,host').split(','))
const rounds = Number(arg('--rounds') ?? 30)
const cases = Number(arg('--cases') ?? 5000)

interface Tally {
  name: string
  line: string
  ok: boolean
}

/** Runs a command, echoing its output, and returns it. */
function run(cmd: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((ok) => {
    const c = spawn(cmd, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const tee = (d: Buffer): void => {
      out += d.toString()
      process.stderr.write(d)
    }
    c.stdout.on('data', tee)
    c.stderr.on('data', tee)
    c.once('exit', (code) => ok({ code, out }))
  })
}

const lastLines = (text: string, n: number): string =>
  text
    .trim()
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('>'))
    .slice(-n)
    .join(' | ')

async function fuzz(): Promise<Tally> {
  const scripts = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
  if (!scripts.fuzz) return { name: 'fuzz', line: 'fuzz: not available (no `npm run fuzz` script in this checkout)', ok: true }
  const r = await run('npm', ['run', '--silent', 'fuzz', '--', '--cases', String(cases)])
  return { name: 'fuzz', line: `fuzz: ${lastLines(r.out, 3)}${r.code === 0 ? '' : ` (exit ${r.code})`}`, ok: r.code === 0 }
}

async function kill(): Promise<Tally> {
  const report = await runKillTest({ rounds, log: (l) => process.stderr.write(l + '\n') })
  const text = formatKillReport(report)
  const ok = !report.rounds.some((x) => x.problems.length) && report.final.problems.length === 0
  return { name: 'kill', line: text.trimEnd(), ok }
}

/** The read-only-source test (issue 13 §4) lives in the vitest suite; run it and count. */
async function readonly(): Promise<Tally> {
  const tests = readdirSync(join(repo, 'test')).filter((f) => /read-?only/i.test(f) && f.endsWith('.test.ts'))
  if (tests.length === 0) return { name: 'readonly', line: 'read-only: not available (no read-only source test in this checkout)', ok: true }
  const r = await run(process.execPath, [join(repo, 'node_modules/vitest/vitest.mjs'), 'run', ...tests.map((t) => `test/${t}`)])
  const plain = r.out.replace(/\x1b\[[0-9;]*m/g, '') // eslint-disable-line no-control-regex
  const summary = /Tests\s+(.*)/.exec(plain)?.[1]?.trim() ?? `exit ${r.code}`
  return { name: 'readonly', line: `read-only: ${tests.join(', ')}: ${summary}`, ok: r.code === 0 }
}

async function host(): Promise<Tally> {
  const dir = mkdtempSync(join(tmpdir(), 'ctc-host-'))
  const { child, port, exited } = await spawnProbeHost(dir)
  try {
    const { results, alive } = await runHostProbes(port)
    const bad = results.filter((r) => !r.pass)
    for (const b of bad) process.stderr.write(`  host probe "${b.name}": expected ${b.expected}, got ${b.got}\n`)
    const line =
      `host: ${results.length} hostile probes (${results.filter((r) => r.name.startsWith('WebSocket:')).length} malformed WebSocket frames), ` +
      `${results.length - bad.length} answered as specified; server alive after each: ${alive && !exited() ? 'yes' : 'NO'}`
    return { name: 'host', line, ok: bad.length === 0 && alive && !exited() }
  } finally {
    child.kill('SIGTERM')
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true })
  }
}

const steps: Array<[string, () => Promise<Tally>]> = [
  ['fuzz', fuzz],
  ['kill', kill],
  ['readonly', readonly],
  ['host', host],
]
const tallies: Tally[] = []
for (const [name, step] of steps) {
  if (!only.has(name)) continue
  process.stderr.write(`\n== ${name}\n`)
  const t = await step().catch((e: unknown) => ({ name, line: `${name}: crashed: ${(e as Error).stack ?? String(e)}`, ok: false }))
  process.stdout.write(t.line + '\n')
  tallies.push(t)
}
process.stdout.write(`\n== hardening (${new Date().toISOString()})\n${tallies.map((t) => `${t.ok ? 'ok  ' : 'FAIL'} ${t.line.split('\n')[0]}`).join('\n')}\n`)
process.exitCode = tallies.every((t) => t.ok) ? 0 : 1
