/**
 * A pipeline helper thread (see helperThreads.ts). Zoom passes: runs its share, claiming units
 * from the shared counter and marking them done in the shared control array; nothing is posted
 * back. Calls: runs one of the functions below and posts the answer. Posts 'ready' once loaded.
 */
import { parentPort, type TransferListItem } from 'node:worker_threads'
import { loadClaimedSlices } from '../dicom/loadVolume'
import { writeNpyAtomicSync } from '../io/atomic'
import { huHistogram } from '../pipeline/maskStats'
import type { NpyArray } from '../io/npy'
import { contourAndPreview } from '../pipeline/afterSegment'
import { ZoomPasses } from '../pipeline/resampleSeparable'
import { seedKeepLargestAir } from '../pipeline/segmentLungs'
import { LabelScratch } from '../pipeline/connectedComponents'
import {
  type CallTask,
  CTRL_FAILED,
  CTRL_FINISHED,
  type HelperReply,
  runUnits,
  seedFillClaimed,
  ZOOM_PLANS,
  type ZoomTask,
} from './helperThreads'

let cached: { key: string; passes: ZoomPasses } | null = null
const scratch = new LabelScratch()

function zoom(t: ZoomTask): void {
  const ctrl = new Int32Array(t.ctrl)
  try {
    // Both passes of a zoom use the same plans and line buffers.
    const key = `${t.kind} ${t.shape.join(',')} ${t.outShape.join(',')}`
    if (cached?.key !== key) cached = { key, passes: new ZoomPasses(t.shape, t.outShape, ZOOM_PLANS[t.kind]) }
    const src = new Int16Array(t.src.buffer, t.src.byteOffset, t.src.length)
    const mid = new Float32Array(t.mid.buffer, t.mid.byteOffset, t.mid.length)
    const dst = new Int16Array(t.dst.buffer, t.dst.byteOffset, t.dst.length)
    runUnits(cached.passes, t.pass, ctrl, src, mid, dst, t.midOverSource)
  } catch {
    // The caller computes whatever this thread claimed and did not finish.
    Atomics.store(ctrl, CTRL_FAILED, 1)
    Atomics.notify(ctrl, CTRL_FINISHED)
  }
}

/** The functions a call may name: [what it returns, the buffers to transfer with it]. */
const CALLS: Record<
  string,
  (...args: never[]) => [unknown, TransferListItem[]] | Promise<[unknown, TransferListItem[]]>
> = {
  loadClaimedSlices: async (...args: Parameters<typeof loadClaimedSlices>) => [await loadClaimedSlices(...args), []],
  seedFillThenNoFill: (fill: Uint8Array, noFill: Uint8Array, shape: [number, number, number], claims: Int32Array) => {
    seedFillClaimed(fill, shape, claims, scratch)
    seedKeepLargestAir(noFill, shape, scratch)
    return [null, []]
  },
  huHistogram: (image: Int16Array) => [huHistogram(image), []],
  writeNpyAtomic: (path: string, data: NpyArray, shape: number[]) => [writeNpyAtomicSync(path, data, shape), []],
  contourAndPreview: (...args: Parameters<typeof contourAndPreview>) => {
    const r = contourAndPreview(...args)
    return [
      r,
      [
        r.halfMask.buffer,
        r.preview.rgba.buffer,
        ...r.surfaces.flatMap((s) => [s.mesh.points.buffer, s.mesh.triangles.buffer]),
      ] as TransferListItem[],
    ]
  },
}

async function handle(t: ZoomTask | CallTask): Promise<void> {
  if (t.type === 'zoom') return zoom(t)
  let reply: HelperReply
  let transfer: TransferListItem[] = []
  try {
    const f = CALLS[t.fn]
    if (!f) throw new Error(`no helper function ${t.fn}`)
    const [value, tr] = await f(...(t.args as never[]))
    reply = { type: 'result', id: t.id, value }
    transfer = tr
  } catch (err) {
    reply = { type: 'error', id: t.id, message: (err as Error).message }
  }
  parentPort!.postMessage(reply, transfer)
}

// One task at a time, in the order sent, even when a call awaits (a codec's decode).
let queue: Promise<void> = Promise.resolve()
parentPort?.on('message', (t: ZoomTask | CallTask) => {
  queue = queue.then(() => handle(t))
})
const ready: HelperReply = { type: 'ready' }
parentPort?.postMessage(ready)
