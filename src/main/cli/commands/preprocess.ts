import { stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { PipelineMode } from '../../../shared/api'
import { CuratorError } from '../../../shared/errors'
import { nodeWorkerFactory } from '../../jobs/nodeWorker'
import { DEFAULT_PARAMS, type PipelineResult } from '../../jobs/pipeline'
import { type PipelineRunner, preprocessSeries, type Stage } from '../../jobs/preprocessSeries'
import { WorkerHandle } from '../../jobs/workerHandle'

export async function runPreprocess(
  dir: string,
  o: { out: string; mode: PipelineMode; stage: Stage; closingMm: number; resample: 'cubic' | 'linear'; json?: boolean },
): Promise<void> {
  // The pipeline runs in a worker process, as `process` runs it: same environment (huge pages
  // for the volumes), and a crash or out-of-memory abort becomes a clear error here.
  const worker = new WorkerHandle(nodeWorkerFactory(), 'preprocess', 24 * 3600 * 1000)
  const inWorker: PipelineRunner = async (root, files, params, outDir) => {
    const job = { jobId: 'preprocess', scanId: 0, root, files, outDir, params: { ...DEFAULT_PARAMS, ...params } }
    const outcome = await worker.run(job)
    if (!outcome.ok) throw new CuratorError(outcome.error.code, outcome.error.message, outcome.error.path)
    return outcome.result as unknown as PipelineResult
  }
  const st = await stat(dir).catch(() => null)
  if (st && !st.isDirectory()) {
    throw new CuratorError(
      'BAD_ARGUMENT',
      `preprocess wants a series folder (the folder holding one series' images), not a file: ${dir}. Try \`ct-curator preprocess ${dirname(dir) || '.'} --out ${o.out}\`.`,
    )
  }
  let r
  try {
    const params = { mode: o.mode, stage: o.stage, closingMm: o.closingMm, resample: o.resample }
    r = await preprocessSeries(resolve(dir), resolve(o.out), params, inWorker)
  } finally {
    worker.dispose()
  }
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
