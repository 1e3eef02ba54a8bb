import { resolve } from 'node:path'
import type { PipelineMode } from '../../../shared/api'
import { preprocessSeries, type Stage } from '../../jobs/preprocessSeries'

export async function runPreprocess(
  dir: string,
  o: { out: string; mode: PipelineMode; stage: Stage; closingMm: number; resample: 'cubic' | 'linear'; json?: boolean },
): Promise<void> {
  const r = await preprocessSeries(resolve(dir), resolve(o.out), { mode: o.mode, stage: o.stage, closingMm: o.closingMm, resample: o.resample })
  if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n')
  else {
    process.stdout.write(
      `${r.patientId} ${r.seriesUid}\n  shape ${r.shape.join('×')}  spacing ${r.spacing.map((v) => +v.toFixed(4)).join('×')} mm  HU ${r.huMin}…${r.huMax}\n` +
        (r.resampledShape ? `  resampled ${r.resampledShape.join('×')} at ${r.resampledSpacing!.map((v) => +v.toFixed(4)).join('×')} mm\n` : '') +
        (r.maskFraction !== undefined ? `  lung mask ${(r.maskFraction * 100).toFixed(2)} % (${r.maskVolumeMl!.toFixed(0)} mL)\n` : '') +
        (r.flags.length ? `  flags: ${r.flags.map((f) => f.code).join(', ')}\n` : '') +
        `  wrote ${r.outputs.map((f) => f.name).join(', ')} and result.json in ${resolve(o.out)} (${Object.entries(r.timingsMs).map(([k, v]) => `${k} ${v} ms`).join(', ')})\n`,
    )
  }
}
