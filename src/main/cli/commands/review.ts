import { CuratorError } from '../../../shared/errors'
import { createCore } from '../../core'
import { findScanId } from '../../store/scans'

export async function runReview(
  key: string,
  o: { db: string; accept?: boolean; reject?: boolean; note?: string },
): Promise<void> {
  if (!!o.accept === !!o.reject) throw new CuratorError('BAD_ARGUMENT', 'Give exactly one of --accept or --reject.')
  const core = createCore(o.db, { mustExist: true })
  try {
    const id = findScanId(core.db, key)
    const s = await core.api.setReview({ id, review: o.accept ? 'accepted' : 'rejected', note: o.note })
    process.stdout.write(`${s.folder}: ${s.review}\n`)
  } finally {
    core.close()
  }
}

export async function runRetry(key: string, o: { db: string; closingMm: number }): Promise<void> {
  const core = createCore(o.db, { mustExist: true })
  try {
    const id = findScanId(core.db, key)
    const s = await core.api.queueRetry({ id, closingMm: o.closingMm })
    process.stdout.write(`${s.folder}: queued for retry with ${o.closingMm} mm closing (run \`ct-curator process\`)\n`)
  } finally {
    core.close()
  }
}

export async function runChoose(key: string, o: { db: string; series: string }): Promise<void> {
  const core = createCore(o.db, { mustExist: true })
  try {
    const id = findScanId(core.db, key)
    const s = await core.api.chooseSeries({ id, seriesUid: o.series })
    process.stdout.write(`${s.folder}: now processes series ${s.seriesUid} (${s.sliceCount} images), status ${s.status}\n`)
  } finally {
    core.close()
  }
}
