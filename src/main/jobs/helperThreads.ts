/**
 * Helper threads (`worker_threads`) for a worker process's second core: the pipeline hands them
 * work on volumes in SharedArrayBuffers (no copies), and runs it on its own thread when there are
 * none (one core, CT_CURATOR_THREADS=1, a helper that failed to load).
 *
 * Two kinds of work. A zoom (cubic or linear) is split between the caller and the helpers: each
 * pass is a list of independent units (ZoomPasses); every thread, the caller's included, claims
 * the next unit from a shared counter until none is left. Claiming instead of a fixed split
 * means a helper that starts late or gets little CPU (the other core busy with another worker)
 * simply does less: the caller never waits for more than the one unit a helper holds, and the
 * result is bit-identical to one thread's. The caller blocks (Atomics.wait) only at the end of a
 * pass, for units a helper is still finishing; units a helper claimed and failed on, the caller
 * computes itself.
 *
 * Any other work is a whole function call (onHelper): the helper computes it while the caller
 * does something else, and answers with a message.
 */
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { builtIsFresh } from '../../../bin/buildFreshness.mjs'
import { CuratorError } from '../../shared/errors'
import { writeNpyAtomic } from '../io/atomic'
import type { NpyArray } from '../io/npy'
import { LabelScratch } from '../pipeline/connectedComponents'
import {
  type SeedBothOptions,
  type Shape3,
  checkShape,
  seedBinary,
  seedFillSlice,
  seedKeepLargestAir,
} from '../pipeline/segmentLungs'
import { cubicAxisPlan } from '../pipeline/resampleBSpline'
import { linearAxisPlan } from '../pipeline/resampleLinear'
import {
  type AxisPlan,
  checkOverlap,
  zoomScratchLength,
  ZoomPasses,
  zoomSeparable,
} from '../pipeline/resampleSeparable'

export type ZoomKind = 'cubic' | 'linear'

export const ZOOM_PLANS: Record<ZoomKind, (nIn: number, nOut: number) => AxisPlan> = {
  cubic: cubicAxisPlan,
  linear: linearAxisPlan,
}

/** A typed array's place in a SharedArrayBuffer, as it crosses to a thread. */
export interface SharedView {
  buffer: SharedArrayBuffer
  byteOffset: number
  length: number
}

/** One pass of one zoom, as a helper receives it. */
export interface ZoomTask {
  type: 'zoom'
  kind: ZoomKind
  shape: number[]
  outShape: number[]
  pass: 0 | 1
  src: SharedView
  mid: SharedView
  dst: SharedView
  /**
   * Int32: [next unit to claim, units finished, a helper failed, then one done flag per unit,
   * then one "source read" flag per unit].
   */
  ctrl: SharedArrayBuffer
  /** The intermediate is written over the source (see checkOverlap). */
  midOverSource: boolean
}

export const CTRL_NEXT = 0
export const CTRL_FINISHED = 1
export const CTRL_FAILED = 2
export const CTRL_DONE = 3

/**
 * Before slice `u`'s intermediate is written over the source: marks its own source slice read,
 * then waits until every source slice it overwrites has been read by whichever thread holds it.
 * Units are claimed in order, so the lowest unfinished one never waits and all make progress.
 */
function overwriteWhenRead(passes: ZoomPasses, ctrl: Int32Array, n: number, u: number): void {
  const read = CTRL_DONE + n
  Atomics.store(ctrl, read + u, 1)
  Atomics.notify(ctrl, read + u)
  for (let k = passes.firstOverwritten(u); k < u; k++)
    while (Atomics.load(ctrl, read + k) === 0) {
      // A failed helper may never read its slice: then no unit above it can be written.
      if (Atomics.load(ctrl, CTRL_FAILED))
        throw new CuratorError(
          'INTERNAL',
          'zoom: a helper thread failed while the intermediate was written over the source',
        )
      Atomics.wait(ctrl, read + k, 0, 100)
    }
}

/** Claims and runs units until none is left; returns how many it ran. Shared by the caller and the helpers. */
export function runUnits(
  passes: ZoomPasses,
  pass: 0 | 1,
  ctrl: Int32Array,
  src: Int16Array,
  mid: Float32Array,
  dst: Int16Array,
  midOverSource = false,
): number {
  const n = passes.units(pass)
  for (let ran = 0; ; ran++) {
    const u = Atomics.add(ctrl, CTRL_NEXT, 1)
    if (u >= n) return ran
    passes.run(
      pass,
      u,
      src,
      mid,
      dst,
      midOverSource && pass === 0 ? () => overwriteWhenRead(passes, ctrl, n, u) : undefined,
    )
    Atomics.store(ctrl, CTRL_DONE + u, 1)
    Atomics.add(ctrl, CTRL_FINISHED, 1)
    Atomics.notify(ctrl, CTRL_FINISHED)
  }
}

/**
 * How long the caller waits, after the last unit is claimed, for a helper to finish its own before
 * it computes them itself. A unit is a slice or a column chunk (milliseconds); this only
 * matters when a helper is gone.
 */
const HELPER_GRACE_MS = 60_000

/** Threads a zoom may use in this process, the caller's included: CT_CURATOR_THREADS, else the cores. */
export function threadCount(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.CT_CURATOR_THREADS)
  return Number.isInteger(v) && v >= 1 ? v : availableParallelism()
}

/**
 * Volumes below this many output voxels are zoomed on the caller's thread alone: the helpers'
 * hand-off costs about a millisecond, and small zooms are done sooner than that matters.
 */
const MIN_PARALLEL_VOXELS = 4_000_000

const here = dirname(fileURLToPath(import.meta.url))

/**
 * The bundled helper: beside us or one folder up (a shared chunk) when we are bundled; from
 * source, the repository's out/main/helperThread.js when it is at least as new as every source
 * file, as the CLI's launcher decides. A helper loaded through tsx costs ~40 MB of memory and
 * ~0.4 s, the bundled one ~11 MB.
 */
function bundledHelper(): string | undefined {
  const beside = [join(here, 'helperThread.js'), join(here, '..', 'helperThread.js')].find((p) => existsSync(p))
  if (beside || process.env.CT_CURATOR_FROM_SOURCE === '1') return beside
  const root = join(here, '..', '..', '..')
  const built = join(root, 'out', 'main', 'helperThread.js')
  return builtIsFresh(root, built) ? built : undefined
}

const HELPER_YOUNG_MB = Number(process.env.CTC_HELPER_YOUNG_MB) || 4

function startHelper(): Worker {
  // From source without a fresh build: the .ts through tsx's API, since a thread does not
  // inherit the --import loader hooks.
  const js = bundledHelper()
  // A helper's objects are small (its volumes are shared memory): a small young generation
  // keeps its heap from growing to V8's default semi-spaces, tens of MB at the run's peak.
  const resourceLimits = { maxYoungGenerationSizeMb: HELPER_YOUNG_MB }
  let w: Worker
  if (js) w = new Worker(js, { resourceLimits })
  else {
    const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(
      /index\.cjs$/,
      'index.mjs',
    )
    const entry = pathToFileURL(join(here, 'helperThread.ts')).href
    w = new Worker(
      `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}))`,
      { eval: true, resourceLimits },
    )
  }
  // Helpers never keep a process alive: a CLI run ends when its work does.
  w.unref()
  return w
}

/** What a helper posts back: once when loaded, then one reply per call. */
export type HelperReply =
  | { type: 'ready' }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; message: string }

/** A whole function run on a helper (helperThread.ts has the list). */
export interface CallTask {
  type: 'call'
  id: number
  fn: string
  args: unknown[]
}

let helpers: Worker[] | null = null
const pending = new Map<number, { worker: Worker; resolve: (v: unknown) => void; reject: (e: unknown) => void }>()
let nextCall = 1
let broken = false
let ready: Promise<number> = Promise.resolve(0)

/** Calls a helper answered (the rest ran inline): for tests. */
export const helperCalls = { answered: 0 }

/** Units of the last parallel zoom, and how many of them the caller ran itself (the rest: helpers). */
export const lastZoomSplit = { units: 0, byCaller: 0 }

/**
 * Starts the helper threads now (they take 50–400 ms to load), so they are ready by the time a
 * zoom needs them. Returns how many there are.
 */
export function warmHelpers(threads = threadCount()): number {
  if (broken) return 0
  helpers ??= []
  const loading: Array<Promise<boolean>> = []
  while (helpers.length < threads - 1) {
    let w: Worker
    try {
      w = startHelper()
    } catch {
      broken = true
      return 0
    }
    w.on('error', (err) => {
      // A helper that cannot load or that crashed: later work runs on the caller's thread.
      broken = true
      helpers = helpers?.filter((h) => h !== w) ?? null
      for (const [id, call] of pending)
        if (call.worker === w) {
          pending.delete(id)
          call.reject(err)
        }
    })
    helpers.push(w)
    loading.push(
      new Promise((resolve) => {
        w.once('message', () => resolve(true))
        w.on('message', (m: HelperReply) => {
          if (m.type === 'ready') return
          const call = pending.get(m.id)
          pending.delete(m.id)
          if (m.type === 'result') {
            helperCalls.answered++
            call?.resolve(m.value)
          } else call?.reject(new Error(m.message))
        })
        w.once('error', () => resolve(false))
      }),
    )
  }
  if (loading.length > 0) ready = Promise.all(loading).then((ok) => ok.filter(Boolean).length)
  return helpers.length
}

/** Resolves once the helpers started by the last warmHelpers have loaded (tests). */
export function helpersLoaded(): Promise<number> {
  return ready
}

/** Stops the helpers (tests; a worker process simply exits). */
export async function stopHelpers(): Promise<void> {
  const hs = helpers ?? []
  helpers = null
  broken = false
  await Promise.all(hs.map((h) => h.terminate()))
}

const isShared = (a: Int16Array | Float32Array): boolean => a.buffer instanceof SharedArrayBuffer
const view = (a: Int16Array | Float32Array): SharedView => ({
  buffer: a.buffer as SharedArrayBuffer,
  byteOffset: a.byteOffset,
  length: a.length,
})

/**
 * `zoomCubic` / `zoomLinear` with the helpers' help: the same result, bit for bit. Falls back to
 * the caller's thread alone when there are no helpers, the volume is small, or a buffer is not
 * shared memory (`src`, `scratch` and `dst` must all be in SharedArrayBuffers to be split).
 */
export async function zoomParallel(
  kind: ZoomKind,
  src: Int16Array,
  shape: readonly number[],
  outShape: readonly number[],
  { scratch, dst }: { scratch: Float32Array; dst: Int16Array },
  threads = threadCount(),
): Promise<Int16Array> {
  const m = outShape.reduce((a, b) => a * b, 1)
  const n = Math.min(warmHelpers(threads), threads - 1)
  if (n === 0 || m < MIN_PARALLEL_VOXELS || !isShared(src) || !isShared(scratch) || !isShared(dst))
    return zoomSeparable(src, shape, outShape, ZOOM_PLANS[kind], { scratch, dst })
  // The argument checks, on this thread, before any helper sees the buffers.
  const need = zoomScratchLength(shape, outShape)
  if (scratch.length < need)
    throw new CuratorError('BAD_ARGUMENT', `zoom: scratch holds ${scratch.length} floats, ${need} needed`)
  if (dst.length !== m) throw new CuratorError('BAD_ARGUMENT', `zoom: dst holds ${dst.length} voxels, ${m} needed`)
  if (src.length !== shape.reduce((a, b) => a * b, 1))
    throw new CuratorError('BAD_ARGUMENT', `zoom: ${src.length} voxels do not fill shape [${shape.join(', ')}]`)
  const mid = scratch.subarray(0, need)
  const passes = new ZoomPasses(shape, outShape, ZOOM_PLANS[kind])
  const midOverSource = checkOverlap(passes, src, mid, dst)
  lastZoomSplit.units = lastZoomSplit.byCaller = 0
  for (const pass of [0, 1] as const) {
    const units = passes.units(pass)
    const ctrlBuf = new SharedArrayBuffer(4 * (CTRL_DONE + 2 * units))
    const ctrl = new Int32Array(ctrlBuf)
    const task: ZoomTask = {
      type: 'zoom',
      kind,
      shape: [...shape],
      outShape: [...outShape],
      pass,
      src: view(src),
      mid: view(mid),
      dst: view(dst),
      ctrl: ctrlBuf,
      midOverSource,
    }
    for (const h of (helpers ?? []).slice(0, n)) h.postMessage(task)
    lastZoomSplit.units += units
    lastZoomSplit.byCaller += runUnits(passes, pass, ctrl, src, mid, dst, midOverSource)
    // The last units may still be in a helper's hands.
    const deadline = performance.now() + HELPER_GRACE_MS
    for (;;) {
      const f = Atomics.load(ctrl, CTRL_FINISHED)
      if (f >= units) break
      const left = deadline - performance.now()
      if (left <= 0 || Atomics.load(ctrl, CTRL_FAILED)) {
        // Over the source, a unit a helper left half-done has lost its input: no second try.
        if (midOverSource && pass === 0)
          throw new CuratorError(
            'INTERNAL',
            'zoom: a helper thread failed while the intermediate was written over the source',
          )
        for (let u = 0; u < units; u++) if (!Atomics.load(ctrl, CTRL_DONE + u)) passes.run(pass, u, src, mid, dst)
        break
      }
      Atomics.wait(ctrl, CTRL_FINISHED, f, Math.min(left, 100))
    }
  }
  return dst
}

/**
 * Runs `fn` (a function helperThread.ts lists) on a helper with `args`, while the caller goes on
 * with other work; `inline` computes the same on the caller's thread, used when there is no
 * helper or it fails. Typed arrays in SharedArrayBuffers reach the helper as the same memory;
 * anything else would be copied, so the arrays the call writes into (`inPlace`) and big ones it
 * only reads (`shared`) must be shared memory for the helper to be used.
 */
export async function onHelper<T>(
  fn: string,
  args: unknown[],
  inline: () => T | Promise<T>,
  {
    inPlace = [],
    shared = [],
    threads = threadCount(),
  }: { inPlace?: ArrayBufferView[]; shared?: ArrayBufferView[]; threads?: number } = {},
): Promise<T> {
  const allShared = [...inPlace, ...shared].every((a) => a.buffer instanceof SharedArrayBuffer)
  const w = threads >= 2 && allShared && warmHelpers(threads) > 0 ? helpers?.[0] : undefined
  if (!w) return inline()
  const id = nextCall++
  try {
    return await new Promise<T>((resolve, reject) => {
      pending.set(id, { worker: w, resolve: resolve as (v: unknown) => void, reject })
      // A pending call keeps the process alive until its answer arrives.
      w.ref()
      const task: CallTask = { type: 'call', id, fn, args }
      w.postMessage(task)
    })
  } catch (err) {
    // A call that failed half-way may have written part of its output: computing it again from
    // there would be wrong, so that one fails instead.
    if (inPlace.length > 0) throw err
    return inline()
  } finally {
    if (![...pending.values()].some((c) => c.worker === w)) w.unref()
  }
}

/**
 * The fill step's slices, claimed one at a time from `claims` (Int32: [next slice, then one
 * done flag per slice]) until none is left; then, on a helper, the no-fill mask's last labelling.
 */
export function seedFillClaimed(fill: Uint8Array, shape: Shape3, claims: Int32Array, scratch: LabelScratch): void {
  for (;;) {
    const z = Atomics.add(claims, 0, 1)
    if (z >= shape[0]) return
    seedFillSlice(fill, shape, z, scratch)
    Atomics.store(claims, 1 + z, 1)
    Atomics.notify(claims, 1 + z)
  }
}

/**
 * [segmentLungsSeedBoth](../pipeline/segmentLungs.ts) on two threads, the same masks: both fill
 * the fill mask's slices, then this thread keeps its largest air component while the helper
 * keeps the no-fill mask's. Needs both outputs in SharedArrayBuffers to use the helper.
 */
export async function segmentLungsSeedBothParallel(
  image: Int16Array,
  shape: Shape3,
  opts: Required<Pick<SeedBothOptions, 'fill' | 'noFill'>> & SeedBothOptions,
  threads = threadCount(),
): Promise<{ fill: Uint8Array; noFill: Uint8Array }> {
  checkShape(image, shape)
  const { fill, noFill } = opts
  for (const b of [fill, noFill])
    if (b.length !== image.length)
      throw new RangeError(`segmentLungs: output of ${b.length} voxels for ${image.length}`)
  // Room for a chest's runs from the start: growing by doubling copies into fresh pages.
  const scratch = new LabelScratch(4 * shape[0] * shape[1])
  seedBinary(image, shape, noFill, scratch, opts.onFirstLabelling)
  fill.set(noFill)
  const claims = new Int32Array(new SharedArrayBuffer(4 * (1 + shape[0])))
  // Without a helper this runs here, now: every fill slice, then the no-fill mask.
  const helping = onHelper(
    'seedFillThenNoFill',
    [fill, noFill, shape, claims],
    () => {
      seedFillClaimed(fill, shape, claims, scratch)
      seedKeepLargestAir(noFill, shape, scratch)
    },
    { inPlace: [fill, noFill], threads },
  )
  try {
    seedFillClaimed(fill, shape, claims, scratch)
    // The helper's last slices, before the fill mask is labelled whole.
    const deadline = performance.now() + 60_000
    for (let z = 0; z < shape[0]; z++)
      while (Atomics.load(claims, 1 + z) === 0) {
        if (performance.now() > deadline)
          throw new CuratorError('INTERNAL', `segmentLungs: a helper thread did not finish slice ${z}`)
        Atomics.wait(claims, 1 + z, 0, 100)
      }
    seedKeepLargestAir(fill, shape, scratch)
  } finally {
    // Never return (or throw) while the helper may still write into the masks.
    await helping.catch(() => undefined)
  }
  await helping
  return { fill, noFill }
}

/**
 * writeNpyAtomic done by a helper with blocking calls, so the file is written and made durable
 * while this thread computes (an async write advances only when this thread yields). Falls back
 * to writeNpyAtomic, which also reports a failure with its proper code (DISK_FULL).
 */
export function writeNpyOnHelper(
  path: string,
  data: NpyArray,
  shape: readonly number[],
  threads = threadCount(),
): Promise<number> {
  return onHelper('writeNpyAtomic', [path, data, [...shape]], () => writeNpyAtomic(path, data, shape), {
    shared: [data],
    threads,
  })
}
