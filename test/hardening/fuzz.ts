/**
 * The input side under hostile files. Two harnesses, both seeded and replayable:
 *
 * - `runFuzz({cases, seed})`: mutants of valid files in nine transfer syntaxes (see
 *   fuzzMutations.ts) go through what a scan and a worker do with a file — readHeader, grouping,
 *   geometry, loadHuVolume (decode + HU) — in this process. A crash is anything that is not a
 *   CuratorError with a specific code: a throw from readHeader (it must return a skip), a
 *   TypeError/RangeError, INTERNAL, or OUT_OF_MEMORY (a header must be refused before its
 *   claim is allocated).
 * - `runFuzzTree({files, seed})`: a tree of mutants beside valid series, empty and non-DICOM
 *   files and a folder symlink loop, through the real CLI: `scan --json` must give every bad
 *   file a specific code, `process` must exit 0 with every scan done or failed with a code.
 *
 * Used by test/fuzz.test.ts (a few thousand cases), `npm run fuzz -- --cases N` and
 * `npm run hardening`.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CuratorError, ERROR_CODES } from '../../src/shared/errors'
import { isSkipped, readHeader } from '../../src/main/dicom/header'
import { assertPlausibleGeometry, computeGeometry } from '../../src/main/dicom/geometry'
import { loadHuVolume } from '../../src/main/dicom/loadVolume'
import { groupAndChoose } from '../../src/main/dicom/series'
import type { ScanResult } from '../../src/main/dicom/types'
import { writePhantomSeries } from '../../src/main/phantom'
import { deriveSeed, uniform } from '../../src/main/phantom/prng'
import { RECIPES, type TranscodeSyntax, transcode } from '../fixtures/transcode'
import { ct } from '../helpers/cli'
import { type BaseFile, MUTATION_KINDS, type MutationKind, locate, mutate } from './fuzzMutations'

/** Syntaxes of the base files: native, deflated, raw (no meta), and every encapsulated family. */
const BASE_SYNTAXES: TranscodeSyntax[] = [
  'implicit',
  'explicit-be',
  'deflate',
  'raw-implicit',
  'rle',
  'jpeg-ll-70',
  'jpegls',
  'j2k',
  'jpeg-baseline',
]
const EXPLICIT_LE = '1.2.840.10008.1.2.1'

export interface FuzzCrash {
  case: number
  base: string
  mutation: string
  error: string
  /** The file, kept for replay. */
  file?: string
}

export interface FuzzTally {
  seed: number
  cases: number
  crashes: FuzzCrash[]
  /** Outcome → count: an error code, or 'ok' when the mutant still loads as a CT slice. */
  outcomes: Record<string, number>
  /** Distinct error codes seen. */
  distinctCodes: string[]
  kinds: Record<string, number>
  /** Mutation kind → outcome → count. */
  byKind: Record<string, Record<string, number>>
  /** Peak resident memory of this process, MB (before the first case: baselineRssMb). */
  peakRssMb: number
  baselineRssMb: number
  durationMs: number
  /** Mutators that threw (harness bugs; must be 0 for a run to count). */
  harnessErrors: string[]
  /** The slowest cases, for replay with `--only`. */
  slowest: Array<{ case: number; ms: number; mutation: string }>
}

export interface FuzzOptions {
  cases: number
  seed?: number
  /** Scratch folder (removed afterwards unless keep). */
  dir?: string
  keep?: boolean
  /** Called every 500 cases. */
  onProgress?: (done: number, tally: FuzzTally) => void
  /** Base files (makeCorpus); made in `dir` when absent. */
  corpus?: BaseFile[]
  /** Run only these case numbers (replaying a crash or a slow case). */
  only?: number[]
  /** Called before each case runs (debugging a hang: the last one printed is the culprit). */
  onCase?: (i: number, base: string, mutation: string) => void
}

const rssMb = (): number => process.resourceUsage().maxRSS / 1024

/** Small valid slices in every base syntax, written by Debian's DICOM tools. */
export async function makeCorpus(dir: string): Promise<BaseFile[]> {
  const src = join(dir, 'native')
  await writePhantomSeries(src, {
    seed: 7,
    rows: 64,
    cols: 64,
    slices: 2,
    pixelSpacing: 5,
    sliceSpacing: 5,
    patientId: 'FUZZ',
  })
  const corpus: BaseFile[] = []
  for (const f of readdirSync(src).sort())
    corpus.push({ name: `explicit/${f}`, bytes: new Uint8Array(readFileSync(join(src, f))), syntax: EXPLICIT_LE })
  for (const syntax of BASE_SYNTAXES) {
    const out = join(dir, syntax)
    for (const f of await transcode(src, out, syntax)) {
      corpus.push({
        name: `${syntax}/${f.slice(out.length + 1)}`,
        bytes: new Uint8Array(readFileSync(f)),
        syntax: RECIPES[syntax].uid,
      })
    }
  }
  return corpus
}

type Probe = { code: string } | { crash: string }

/** What a scan and a worker do with one file. */
async function probe(dir: string, name: string, mode: 'robust' | 'seed'): Promise<Probe> {
  const abs = join(dir, name)
  const st = statSync(abs)
  let h
  try {
    h = readHeader(abs, name, st.size, st.mtimeMs)
  } catch (err) {
    return { crash: `readHeader threw: ${describeError(err)}` }
  }
  if (isSkipped(h)) return h.code === 'INTERNAL' ? { crash: `readHeader: INTERNAL ${h.message}` } : { code: h.code }
  try {
    const grouped = groupAndChoose([h], mode)
    if (grouped.skipped.length) return { code: grouped.skipped[0]!.code }
    assertPlausibleGeometry(computeGeometry([h], mode), mode)
    await loadHuVolume(dir, [h], mode)
    return { code: 'ok' }
  } catch (err) {
    if (err instanceof CuratorError && err.code !== 'INTERNAL' && err.code !== 'OUT_OF_MEMORY')
      return { code: err.code }
    return { crash: describeError(err) }
  }
}

const describeError = (err: unknown): string =>
  err instanceof CuratorError
    ? `${err.code}: ${err.message}`
    : err instanceof Error
      ? `${err.name}: ${err.message}`
      : String(err)

/** Cases every run starts with, whatever the seed: the ones the issue names. */
function fixedCases(
  corpus: BaseFile[],
): Array<{ base: BaseFile; kind: MutationKind; force?: (b: BaseFile) => { bytes: Uint8Array; describe: string } }> {
  const by = (syntax: string) => corpus.find((c) => c.syntax === syntax)!
  const rowsCols = (b: BaseFile) => {
    const els = locate(b)
    const out = b.bytes.slice()
    const dv = new DataView(out.buffer)
    const le = b.syntax !== '1.2.840.10008.1.2.2'
    for (const e of els) if (e.tag === 'x00280010' || e.tag === 'x00280011') dv.setUint16(e.dataOffset, 65535, le)
    return { bytes: out, describe: 'Rows × Columns 65535 × 65535' }
  }
  return [
    { base: by(EXPLICIT_LE), kind: 'us-value', force: rowsCols },
    { base: by('1.2.840.10008.1.2.5'), kind: 'us-value', force: rowsCols },
    { base: by('1.2.840.10008.1.2.4.90'), kind: 'us-value', force: rowsCols },
    { base: by(EXPLICIT_LE), kind: 'nested-sequences' },
    { base: by('1.2.840.10008.1.2'), kind: 'nested-sequences' },
    { base: by(EXPLICIT_LE), kind: 'not-dicom' },
  ]
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzTally> {
  const seed = opts.seed ?? 1
  const started = performance.now()
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'ctc-fuzz-'))
  const tally: FuzzTally = {
    seed,
    cases: 0,
    crashes: [],
    outcomes: {},
    distinctCodes: [],
    kinds: {},
    byKind: {},
    peakRssMb: 0,
    baselineRssMb: 0,
    durationMs: 0,
    slowest: [],
    harnessErrors: [],
  }
  try {
    const corpus = opts.corpus ?? (await makeCorpus(join(dir, 'corpus')))
    const located = new Map(corpus.map((c) => [c, locate(c)]))
    const work = join(dir, 'cases')
    mkdirSync(work, { recursive: true })
    tally.baselineRssMb = rssMb()
    const fixed = fixedCases(corpus)
    for (let i = 0; i < opts.cases; i++) {
      if (opts.only && !opts.only.includes(i)) continue
      const r = uniform(deriveSeed(seed, `case ${i}`))
      const f = fixed[i]
      const base = f?.base ?? corpus[Math.floor(r() * corpus.length)]!
      const kind = f?.kind ?? MUTATION_KINDS[Math.floor(r() * MUTATION_KINDS.length)]!
      let m
      try {
        m = f?.force ? f.force(base) : mutate(kind, base, located.get(base)!, r)
      } catch (err) {
        // A bug of the harness, not of the reader: counted apart so it cannot hide or fake a crash.
        tally.harnessErrors.push(`case ${i} [${base.name}] ${kind}: ${describeError(err)}`)
        continue
      }
      opts.onCase?.(i, base.name, m.describe)
      const name = 'case.dcm'
      writeFileSync(join(work, name), m.bytes)
      const mode = r() < 0.25 ? 'seed' : 'robust'
      const t0 = performance.now()
      const p = await probe(work, name, mode)
      const ms = performance.now() - t0
      if (tally.slowest.length < 5 || ms > tally.slowest[4]!.ms) {
        tally.slowest.push({ case: i, ms: Math.round(ms), mutation: `[${base.name}] ${m.describe}` })
        tally.slowest.sort((a, b) => b.ms - a.ms).splice(5)
      }
      tally.cases++
      tally.kinds[kind] = (tally.kinds[kind] ?? 0) + 1
      const outcome = 'crash' in p ? 'CRASH' : p.code
      const k = (tally.byKind[kind] ??= {})
      k[outcome] = (k[outcome] ?? 0) + 1
      if ('crash' in p) {
        const keep = join(dir, `crash-${i}.dcm`)
        writeFileSync(keep, m.bytes)
        tally.crashes.push({
          case: i,
          base: base.name,
          mutation: `${m.describe} (${mode})`,
          error: p.crash,
          file: keep,
        })
        tally.outcomes.CRASH = (tally.outcomes.CRASH ?? 0) + 1
      } else {
        tally.outcomes[p.code] = (tally.outcomes[p.code] ?? 0) + 1
      }
      if ((i + 1) % 500 === 0) opts.onProgress?.(i + 1, tally)
    }
  } finally {
    tally.distinctCodes = Object.keys(tally.outcomes)
      .filter((c) => (ERROR_CODES as readonly string[]).includes(c))
      .sort()
    tally.peakRssMb = Math.round(rssMb())
    tally.baselineRssMb = Math.round(tally.baselineRssMb)
    tally.durationMs = Math.round(performance.now() - started)
    if (!opts.keep && !opts.dir && tally.crashes.length === 0) rmSync(dir, { recursive: true, force: true })
  }
  return tally
}

/** One line: what `npm run hardening` shows. */
export function summarizeFuzz(t: FuzzTally): string {
  return (
    `${t.cases} cases (seed ${t.seed}), ${t.crashes.length} crashes, ${t.distinctCodes.length} distinct error codes, ` +
    `${t.outcomes.ok ?? 0} still valid, peak RSS ${t.peakRssMb} MB (${t.baselineRssMb} MB before the first case), ${(t.durationMs / 1000).toFixed(1)} s`
  )
}

export function formatTally(t: FuzzTally): string {
  const lines = [
    `fuzz: ${t.cases} cases (seed ${t.seed}) in ${(t.durationMs / 1000).toFixed(1)} s — crashes: ${t.crashes.length}${t.harnessErrors.length ? `, harness errors: ${t.harnessErrors.length} (${t.harnessErrors[0]})` : ''}`,
    `  distinct error codes (${t.distinctCodes.length}): ${t.distinctCodes.join(', ')}`,
    `  outcomes: ${Object.entries(t.outcomes)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  peak RSS: ${t.peakRssMb} MB (${t.baselineRssMb} MB before the first case)`,
  ]
  lines.push(`  slowest: ${t.slowest.map((s) => `#${s.case} ${s.ms} ms ${s.mutation}`).join('; ')}`)
  for (const c of t.crashes.slice(0, 20))
    lines.push(`  CRASH case ${c.case} [${c.base}] ${c.mutation}: ${c.error} → ${c.file}`)
  return lines.join('\n')
}

export interface TreeTally {
  files: number
  /** Files `scan --json` placed in a series. */
  indexed: number
  /** Skipped files, by code. */
  skippedCodes: Record<string, number>
  /** Skipped files without a known, specific code (must be 0). */
  unspecific: string[]
  /** Files neither indexed nor skipped, or both (must be 0). */
  unaccounted: string[]
  processExit: number
  scans: number
  done: number
  /** Failed scans by error code. */
  failedCodes: Record<string, number>
  /** Scans neither done nor failed with a code, or failed INTERNAL (must be 0). */
  badScans: string[]
}

/**
 * Writes `root/<patient>/…`: valid series in several syntaxes with mutants of their own
 * slices mixed in, a folder of pure mutants, empty and non-DICOM files, and a folder symlink
 * loop; then runs `scan --json` and `process` and checks their promises.
 */
export async function runFuzzTree(opts: {
  files: number
  seed?: number
  dir?: string
  workers?: number
  corpus?: BaseFile[]
}): Promise<TreeTally> {
  const seed = opts.seed ?? 1
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'ctc-fuzztree-'))
  const root = join(dir, 'root')
  const corpus = opts.corpus ?? (await makeCorpus(join(dir, 'corpus')))
  const located = new Map(corpus.map((c) => [c, locate(c)]))
  const r = uniform(deriveSeed(seed, 'tree'))
  // Valid series the mutants sit beside: they must still be processed.
  for (const [i, syntax] of (['rle', 'deflate'] as const).entries()) {
    const src = join(dir, `series-${i}`)
    await writePhantomSeries(src, {
      seed: 100 + i,
      rows: 64,
      cols: 64,
      slices: 12,
      pixelSpacing: 5,
      sliceSpacing: 5,
      patientId: `GOOD${i}`,
    })
    await transcode(src, join(root, `good-${syntax}`), syntax)
  }
  const folders = ['good-rle', 'good-deflate', 'mutants-a', 'mutants-b']
  for (const f of folders) mkdirSync(join(root, f), { recursive: true })
  for (let i = 0; i < opts.files; i++) {
    const base = corpus[Math.floor(r() * corpus.length)]!
    const kind = MUTATION_KINDS[Math.floor(r() * MUTATION_KINDS.length)]!
    const m = mutate(kind, base, located.get(base)!, r)
    writeFileSync(join(root, folders[Math.floor(r() * folders.length)]!, `fuzz-${i}.dcm`), m.bytes)
  }
  writeFileSync(join(root, 'mutants-a', 'empty.dcm'), new Uint8Array(0))
  writeFileSync(join(root, 'mutants-a', 'README.txt'), 'not an image\n')
  mkdirSync(join(root, 'loop', 'inner'), { recursive: true })
  symlinkSync('..', join(root, 'loop', 'inner', 'back'))
  symlinkSync(join(root, 'loop'), join(root, 'loop', 'inner', 'again'))

  const listFiles = (rel: string): string[] =>
    readdirSync(join(root, rel), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? listFiles(rel ? `${rel}/${e.name}` : e.name)
        : e.isFile()
          ? [rel ? `${rel}/${e.name}` : e.name]
          : [],
    )
  const all = listFiles('')
  const scan = await ct(['scan', root, '--json'])
  if (scan.code !== 0) throw new Error(`scan exited ${scan.code}: ${scan.stderr}`)
  const res = JSON.parse(scan.stdout) as ScanResult
  const placed = [...res.series.flatMap((s) => s.files), ...res.skipped.map((k) => k.path)]
  const counts = new Map<string, number>()
  for (const p of placed) counts.set(p, (counts.get(p) ?? 0) + 1)
  const tally: TreeTally = {
    files: all.length,
    indexed: res.series.reduce((n, s) => n + s.files.length, 0),
    skippedCodes: {},
    unspecific: [],
    unaccounted: [...all.filter((f) => counts.get(f) !== 1), ...placed.filter((p) => !all.includes(p))],
    processExit: -1,
    scans: 0,
    done: 0,
    failedCodes: {},
    badScans: [],
  }
  for (const k of res.skipped) {
    tally.skippedCodes[k.code] = (tally.skippedCodes[k.code] ?? 0) + 1
    if (!(ERROR_CODES as readonly string[]).includes(k.code) || k.code === 'INTERNAL' || !k.message)
      tally.unspecific.push(`${k.path}: ${k.code}`)
  }
  const db = join(dir, 'fuzz.sqlite')
  const proc = await ct(['process', root, '--db', db, '--workers', String(opts.workers ?? 2)])
  tally.processExit = proc.code
  const status = JSON.parse((await ct(['status', '--db', db, '--json'])).stdout) as Array<{
    folder: string
    status: string
    error: { code: string } | null
  }>
  tally.scans = status.length
  for (const s of status) {
    if (s.status === 'done') tally.done++
    else if (s.status === 'failed' && s.error?.code && s.error.code !== 'INTERNAL') {
      tally.failedCodes[s.error.code] = (tally.failedCodes[s.error.code] ?? 0) + 1
    } else tally.badScans.push(`${s.folder}: ${s.status} ${s.error?.code ?? ''}`)
  }
  if (!opts.dir && tally.badScans.length === 0 && tally.unaccounted.length === 0)
    rmSync(dir, { recursive: true, force: true })
  return tally
}

export function formatTreeTally(t: TreeTally): string {
  return [
    `fuzz tree: ${t.files} files — ${t.indexed} indexed, skipped by code: ${Object.entries(t.skippedCodes)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  unaccounted: ${t.unaccounted.length}, skipped without a specific code: ${t.unspecific.length}`,
    `  process exit ${t.processExit}: ${t.scans} scans, ${t.done} done, failed by code: ${
      Object.entries(t.failedCodes)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none'
    }; scans neither: ${t.badScans.length}`,
  ].join('\n')
}
