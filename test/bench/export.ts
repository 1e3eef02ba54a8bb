/**
 * Section "export": the dataset export of a processed demo cohort (8 phantom patients plus the
 * real Lung-PET-CT-Dx A0002 chest, 512×512×30) beside the references the issue names, in the
 * same run on the same data:
 *  - npy export (ct.npy + lung.npy of every case, through the cache API) against `cp -r` of the
 *    cache folder (page cache to page cache, as cp does it); with --fsync against `cp -r` + `sync`;
 *  - nii.gz export (ct + lung, gzip level 6 on both cores) against `dcm2niix -z y` (which hands
 *    its .nii to pigz, level 6, all cores) over the same series' DICOM folders.
 * Throughput is MB written (uncompressed NIfTI / npy bytes) per second. Neither the default
 * export nor cp nor dcm2niix flushes to disk; `--fsync` does, and is compared with cp + sync.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { exportDataset } from '../../src/main/export'
import { JobEngine } from '../../src/main/jobs/engine'
import { nodeWorkerFactory } from '../../src/main/jobs/nodeWorker'
import { scanRoot } from '../../src/main/dicom/scanRoot'
import { writeDemoCohort } from '../../src/main/phantom'
import { openDb } from '../../src/main/store/db'
import { VERSION } from '../../src/main/core'
import { type BenchContext, CACHE_ROOT, REPO_ROOT, cachedInput, progress, progressDone } from './common'
import { fmtCores, withBusyCores } from './machineLoad'
import { fmtRatio, fmtRuns, met, printTable } from './table'

const RUNS = 3
const GENERATION = 1
const GOAL_NPY = 0.7
const GOAL_NIFTI = 1.0

function duBytes(dir: string): number {
  let n = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? duBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size
  return n
}

async function timed(f: () => unknown): Promise<number> {
  const t = performance.now()
  await f()
  return (performance.now() - t) / 1000
}

export async function runExportBench(_ctx: BenchContext): Promise<void> {
  const input = await cachedInput('export-demo8-a0002', { patients: 8, real: 'lung_pet_ct_dx_A0002_B70f', generation: GENERATION }, async (dir) => {
    progress('export: writing the demo cohort')
    await writeDemoCohort(join(dir, 'cohort'), { patients: 8, seed: 1 })
    cpSync(join(REPO_ROOT, '..', 'shared', 'data', 'lung_pet_ct_dx_A0002_B70f'), join(dir, 'cohort', 'A0002'), { recursive: true })
    progress('export: processing it (2 workers)')
    const db = openDb(join(dir, 'db.sqlite'))
    await scanRoot(join(dir, 'cohort'), { db })
    await new JobEngine({ db, cacheDir: join(dir, 'cache'), spawn: nodeWorkerFactory(), workers: 2, version: VERSION }).run()
    db.close()
    progressDone()
  })
  const db = openDb(join(input.dir, 'db.sqlite'))
  // Both sides convert the same series: a scan dcm2niix refuses (the demo's truncated and junk
  // files make it exit non-zero) is marked rejected, and the exports take the rest (include=done).
  const all = db.prepare("SELECT s.id, r.path || '/' || s.folder AS p FROM scans s JOIN roots r ON r.id = s.root_id WHERE s.status = 'done' ORDER BY s.id").all() as Array<{ id: number; p: string }>
  const probe = mkdtempSync(join(CACHE_ROOT, 'export-probe-'))
  const refused: string[] = []
  for (const s of all) {
    const ok = spawnSync('dcm2niix', ['-z', 'n', '-b', 'n', '-f', '%j', '-o', probe, s.p]).status === 0
    db.prepare('UPDATE scans SET review = ? WHERE id = ?').run(ok ? 'accepted' : 'rejected', s.id)
    if (!ok) refused.push(s.p.split('/').pop()!)
  }
  rmSync(probe, { recursive: true, force: true })
  const folders = all.filter((s) => !refused.includes(s.p.split('/').pop()!)).map((s) => s.p)
  const cacheBytes = duBytes(join(input.dir, 'cache'))
  console.log(`\n# Export: ${folders.length} processed scans (demo phantoms + the real A0002 chest; ${refused.length} with junk files dcm2niix refuses left out), robust mode`)
  console.log(`data: ${input.dir} (${input.generated ? `generated now in ${input.seconds.toFixed(0)} s` : 'cached; delete it to regenerate'})`)

  const work = mkdtempSync(join(CACHE_ROOT, 'export-run-'))
  try {
    const cp: number[] = []
    const cpSync_: number[] = []
    const npy: number[] = []
    const npySync: number[] = []
    const nii: number[] = []
    const ref: number[] = []
    let npyBytes = 0
    let niiBytes = 0
    let niiGzBytes = 0
    let refBytes = 0
    let refGzBytes = 0
    let usesPigz = false
    const cores: number[] = []
    for (let run = 0; run < RUNS; run++) {
      progress(`export: run ${run + 1}/${RUNS}: cp -r of the cache`)
      cp.push(await timed(() => execFileSync('cp', ['-r', join(input.dir, 'cache'), join(work, `cp-${run}`)])))
      rmSync(join(work, `cp-${run}`), { recursive: true, force: true })
      cpSync_.push(
        await timed(() => {
          execFileSync('cp', ['-r', join(input.dir, 'cache'), join(work, `cps-${run}`)])
          execFileSync('sync', ['-f', join(work, `cps-${run}`)])
        }),
      )
      rmSync(join(work, `cps-${run}`), { recursive: true, force: true })

      progress(`export: run ${run + 1}/${RUNS}: npy export`)
      const a = await exportDataset({ outDir: join(work, `npy-${run}`), include: 'done', formats: ['npy'] }, { db, version: VERSION })
      npy.push(a.durationMs / 1000)
      npyBytes = a.bytes
      rmSync(join(work, `npy-${run}`), { recursive: true, force: true })
      progress(`export: run ${run + 1}/${RUNS}: npy export --fsync`)
      const s = await exportDataset({ outDir: join(work, `npys-${run}`), include: 'done', formats: ['npy'], fsync: true }, { db, version: VERSION })
      npySync.push(s.durationMs / 1000)
      rmSync(join(work, `npys-${run}`), { recursive: true, force: true })

      progress(`export: run ${run + 1}/${RUNS}: nii.gz export`)
      const [b, busy] = await withBusyCores(() => exportDataset({ outDir: join(work, `nii-${run}`), include: 'done', formats: ['nifti'] }, { db, version: VERSION }))
      cores.push(busy)
      nii.push(b.durationMs / 1000)
      niiGzBytes = b.bytes
      // Uncompressed NIfTI bytes: header + int16 CT + uint8 mask per case.
      const shapes = (db.prepare("SELECT result_json FROM runs r JOIN scans s ON s.current_run_id = r.id WHERE s.status = 'done' AND s.review != 'rejected'").pluck().all() as string[]).map(
        (j) => (JSON.parse(j) as { resampledShape: number[] }).resampledShape,
      )
      niiBytes = shapes.reduce((n, s) => n + 2 * 352 + s[0]! * s[1]! * s[2]! * 3, 0)
      rmSync(join(work, `nii-${run}`), { recursive: true, force: true })

      progress(`export: run ${run + 1}/${RUNS}: dcm2niix -z y over the same series`)
      const out = join(work, `d2n-${run}`)
      execFileSync('mkdir', ['-p', out])
      ref.push(
        await timed(() => {
          for (const f of folders) {
            const r = spawnSync('dcm2niix', ['-z', 'y', '-b', 'n', '-f', '%j', '-o', out, f], { encoding: 'utf8' })
            if (r.status !== 0) throw new Error(`dcm2niix failed on ${f}: ${r.stdout}${r.stderr}`)
            usesPigz ||= /pigz/.test(r.stdout)
          }
        }),
      )
      refGzBytes = duBytes(out)
      refBytes = Number(
        execFileSync('sh', ['-c', `for f in "${out}"/*.nii.gz; do gzip -l "$f" | tail -1; done | awk '{s += $2} END {print s}'`]).toString().trim(),
      )
      rmSync(out, { recursive: true, force: true })
    }
    progressDone()
    const mbs = (bytes: number, s: number[]): number => bytes / 1e6 / Math.min(...s)
    const rows = [
      ['npy export (ct.npy + lung.npy)', (npyBytes / 1e6).toFixed(0), fmtRuns(npy), mbs(npyBytes, npy).toFixed(0), `cp -r cache: ${mbs(cacheBytes, cp).toFixed(0)} MB/s`, fmtRatio(mbs(npyBytes, npy) / mbs(cacheBytes, cp)), `≥ ${GOAL_NPY}×: ${met(mbs(npyBytes, npy) / mbs(cacheBytes, cp) >= GOAL_NPY)}`],
      ['npy export --fsync (flushed before publishing)', (npyBytes / 1e6).toFixed(0), fmtRuns(npySync), mbs(npyBytes, npySync).toFixed(0), `cp -r + sync: ${mbs(cacheBytes, cpSync_).toFixed(0)} MB/s`, fmtRatio(mbs(npyBytes, npySync) / mbs(cacheBytes, cpSync_)), `≥ ${GOAL_NPY}×: ${met(mbs(npyBytes, npySync) / mbs(cacheBytes, cpSync_) >= GOAL_NPY)}`],
      ['nii.gz export (ct + lung)', (niiBytes / 1e6).toFixed(0), fmtRuns(nii), mbs(niiBytes, nii).toFixed(0), `dcm2niix -z y${usesPigz ? ' (pigz)' : ' (NO pigz)'}: ${mbs(refBytes, ref).toFixed(0)} MB/s`, fmtRatio(mbs(niiBytes, nii) / mbs(refBytes, ref)), `≥ ${GOAL_NIFTI}×: ${met(mbs(niiBytes, nii) / mbs(refBytes, ref) >= GOAL_NIFTI)}`],
    ]
    printTable({
      title: 'Export throughput (MB written per second, uncompressed; best of runs)',
      columns: [{ header: 'what' }, { header: 'MB', right: true }, { header: 'seconds (runs, * best)', right: true }, { header: 'MB/s', right: true }, { header: 'reference, same run' }, { header: 'ratio', right: true }, { header: 'goal' }],
      rows,
      notes: [
        `cache folder ${(cacheBytes / 1e6).toFixed(0)} MB (every file of every run: volumes, masks, previews); cp reads and writes through the page cache`,
        `dcm2niix converts the source series (${(refBytes / 1e6).toFixed(0)} MB of NIfTI, ${(refGzBytes / 1e6).toFixed(0)} MB gzipped); ours writes the 1 mm volumes and masks (${(niiBytes / 1e6).toFixed(0)} MB, ${(niiGzBytes / 1e6).toFixed(0)} MB gzipped + documents)`,
        `busy cores during the nii.gz exports: ${cores.map(fmtCores).join(', ')} (machine-wide, 2 cores)`,
        'the default export, like cp, leaves writeback to the kernel (a killed export still publishes nothing half-written); --fsync flushes every file and the folder before publishing, compared with cp -r + sync',
      ],
    })
  } finally {
    db.close()
    rmSync(work, { recursive: true, force: true })
  }
}
