import { resolve } from 'node:path'
import { writeDemoCohort } from '../../phantom'
import { createProgressPrinter, etaSeconds } from '../progress'

export async function runDemo(
  dir: string,
  o: { patients: number; truth?: string; seed: number; overwrite?: boolean },
): Promise<void> {
  const started = Date.now()
  const progress = createProgressPrinter()
  const res = await writeDemoCohort(resolve(dir), {
    patients: o.patients,
    truthDir: o.truth === undefined ? undefined : resolve(o.truth),
    seed: o.seed,
    overwrite: o.overwrite,
    onProgress: (done, total, folder) =>
      progress.update({ phase: 'demo', done, total, current: folder, etaSeconds: etaSeconds(started, done, total) }),
  })
  progress.done()
  const files = res.patients.reduce((n, p) => n + p.files, 0)
  process.stdout.write(
    `Wrote ${res.patients.length} patients (${files} DICOM images) to ${res.root}\n` +
      `Ground-truth lung masks: ${res.truthDir}\n` +
      res.patients.map((p) => `  ${p.folder.padEnd(24)} ${p.case}`).join('\n') +
      `\nNext: ct-curator process ${dir} --db ./demo.sqlite   (or open the app and scan ${res.root})\n`,
  )
}
