/**
 * Source DICOM folders are never written to. A source tree made read-only (files 0444, folders
 * 0555) is checksummed — every path, its type, mode, size, mtime and content — before and after
 * each command that reads it: scan, process, retry, process again, review, export, a rescan.
 * Nothing may change and nothing may appear. As root, whom file modes do not stop, the CLI runs
 * without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH / CAP_FOWNER, so a write into the source would
 * also fail loudly. Used by test/readOnlySource.test.ts and `npm run hardening`.
 */
import { createHash } from 'node:crypto'
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writePhantomSeries } from '../../src/main/phantom'
import { CLI, type CliResult, ct, tool } from '../helpers/cli'

/** Every entry under `root`: path, type, permission bits, size, mtime and a content hash. */
export function checksumTree(root: string): string[] {
  const out: string[] = []
  const visit = (rel: string): void => {
    const abs = rel ? join(root, rel) : root
    const st = lstatSync(abs)
    const mode = (st.mode & 0o7777).toString(8)
    if (st.isDirectory()) {
      out.push(`d ${rel || '.'} ${mode}`)
      for (const name of readdirSync(abs).sort()) visit(rel ? `${rel}/${name}` : name)
    } else if (st.isSymbolicLink()) {
      out.push(`l ${rel} -> ${readlinkSync(abs)}`)
    } else {
      out.push(
        `f ${rel} ${mode} ${st.size} ${st.mtimeMs} ${createHash('sha256').update(readFileSync(abs)).digest('hex')}`,
      )
    }
  }
  visit('')
  return out
}

export function setModes(root: string, file: number, folder: number): void {
  const visit = (abs: string): void => {
    const st = lstatSync(abs)
    if (st.isDirectory()) {
      for (const name of readdirSync(abs)) visit(join(abs, name))
      chmodSync(abs, folder)
    } else if (st.isFile()) chmodSync(abs, file)
  }
  visit(root)
}

/** The CLI; as root, without the capabilities that let root write through file modes. */
async function cli(args: string[]): Promise<CliResult> {
  if (process.getuid?.() !== 0) return ct(args)
  return tool('setpriv', [
    '--bounding-set',
    '-dac_override,-dac_read_search,-fowner',
    '--',
    process.execPath,
    CLI,
    ...args,
  ])
}

export interface ReadOnlyStep {
  step: string
  exit: number
  /** Checksum lines that differ from before (changed, appeared or gone); must be empty. */
  changed: string[]
  stderr: string
}

export interface ReadOnlyTally {
  files: number
  folders: number
  /** Every file 0444 and folder 0555 before the first step. */
  readOnly: boolean
  steps: ReadOnlyStep[]
  /** patientId → status after the steps (both must be done). */
  statuses: Record<string, string>
  exportedEntries: number
}

export async function runReadOnlyCheck(opts: { dir?: string } = {}): Promise<ReadOnlyTally> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'ctc-readonly-'))
  const source = join(dir, 'source')
  const db = join(dir, 'work', 'curator.sqlite')
  const small = { rows: 64, cols: 64, slices: 24, pixelSpacing: 5, sliceSpacing: 5 }
  await writePhantomSeries(join(source, 'patient-a'), { ...small, seed: 41, patientId: 'RO-A' })
  await writePhantomSeries(join(source, 'patient-b', 'study', 'series'), {
    ...small,
    seed: 42,
    patientId: 'RO-B',
    fileNaming: 'random',
  })
  writeFileSync(join(source, 'patient-b', 'notes.txt'), 'not an image\n')
  mkdirSync(join(dir, 'work'))
  setModes(source, 0o444, 0o555)
  try {
    const before = checksumTree(source)
    const tally: ReadOnlyTally = {
      files: before.filter((l) => l.startsWith('f ')).length,
      folders: before.filter((l) => l.startsWith('d ')).length,
      readOnly: before.every((l) =>
        l.startsWith('f ') ? l.split(' ')[2] === '444' : l.startsWith('d ') ? l.split(' ')[2] === '555' : true,
      ),
      steps: [],
      statuses: {},
      exportedEntries: 0,
    }
    const steps: Array<[string, string[]]> = [
      ['scan', ['scan', source, '--db', db]],
      ['process', ['process', source, '--db', db, '--workers', '1']],
      ['retry', ['retry', 'RO-A', '--db', db, '--closing-mm', '3']],
      ['process after retry', ['process', source, '--db', db, '--workers', '1']],
      ['review', ['review', 'RO-B', '--db', db, '--accept']],
      ['export', ['export', join(dir, 'export'), '--db', db, '--include', 'done']],
      ['rescan', ['scan', source, '--db', db, '--json']],
    ]
    for (const [step, args] of steps) {
      const r = await cli(args)
      const after = checksumTree(source)
      const was = new Set(before)
      const now = new Set(after)
      tally.steps.push({
        step,
        exit: r.code,
        changed: [
          ...after.filter((l) => !was.has(l)).map((l) => `+ ${l}`),
          ...before.filter((l) => !now.has(l)).map((l) => `- ${l}`),
        ],
        stderr: r.code === 0 ? '' : r.stderr,
      })
    }
    const status = JSON.parse((await ct(['status', '--db', db, '--json'])).stdout) as Array<{
      patientId: string
      status: string
    }>
    for (const s of status) tally.statuses[s.patientId] = s.status
    try {
      tally.exportedEntries = readdirSync(join(dir, 'export')).length
    } catch {
      tally.exportedEntries = 0
    }
    return tally
  } finally {
    setModes(source, 0o644, 0o755)
    if (!opts.dir) rmSync(dir, { recursive: true, force: true })
  }
}

export function formatReadOnly(t: ReadOnlyTally): string {
  const bad = t.steps.filter((s) => s.exit !== 0 || s.changed.length > 0)
  return [
    `read-only source: ${t.files} files in ${t.folders} folders (0444/0555: ${t.readOnly}); ${t.steps.length} steps (${t.steps.map((s) => s.step).join(', ')})`,
    `  steps failing or changing the source: ${bad.length}${bad.map((s) => `\n  ${s.step}: exit ${s.exit}, ${s.changed.length} changed ${s.changed.slice(0, 3).join('; ')} ${s.stderr.slice(0, 200)}`).join('')}`,
    `  scans after: ${Object.entries(t.statuses)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; export entries: ${t.exportedEntries}`,
  ].join('\n')
}
