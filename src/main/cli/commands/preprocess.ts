import { resolve } from 'node:path'
import type { PipelineMode } from '../../../shared/api'
import { preprocessSeries, type Stage } from '../../jobs/preprocessSeries'

export async function runPreprocess(dir: string, o: { out: string; mode: PipelineMode; stage: Stage; json?: boolean }): Promise<void> {
  const r = await preprocessSeries(resolve(dir), resolve(o.out), { mode: o.mode, stage: o.stage })
  if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n')
  else {
    process.stdout.write(
      `${r.patientId} ${r.seriesUid}\n  shape ${r.shape.join('×')}  spacing ${r.spacing.map((v) => +v.toFixed(4)).join('×')} mm  HU ${r.huMin}…${r.huMax}\n` +
        (r.flags.length ? `  flags: ${r.flags.map((f) => f.code).join(', ')}\n` : '') +
        `  wrote ${resolve(o.out)}/hu.npy and result.json (${Object.entries(r.timingsMs).map(([k, v]) => `${k} ${v} ms`).join(', ')})\n`,
    )
  }
}
