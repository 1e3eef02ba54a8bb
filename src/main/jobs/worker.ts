/**
 * The worker process: runs one job at a time and reports back. Started by the pool as a Node
 * child process (`process.send`) or an Electron utility process (`process.parentPort`).
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { toErrorInfo } from '../../shared/errors'
import type { IndexedFile, MainToWorker, WorkerToMain } from '../../shared/worker'
import { isSkipped, readHeader } from '../dicom/header'
import { decodeHeader } from '../dicom/headerCodec'
import type { HeaderRecord } from '../dicom/types'
import { statSync } from 'node:fs'
import { CuratorError } from '../../shared/errors'
import { BufferPool } from './bufferPool'
import { runPipeline } from './pipeline'

// A run's big buffers (source, scratch, masks when they do not fit the scratch) stay for the
// next scan: a worker in its stride allocates no fresh volume memory. Workers live for one
// processing run, so this memory is given back when the run ends.
const pool = new BufferPool()

interface ParentPort {
  postMessage(msg: unknown): void
  on(event: 'message', cb: (e: { data: unknown }) => void): void
}

const electronPort = (process as unknown as { parentPort?: ParentPort }).parentPort
const send = (msg: WorkerToMain): void => {
  if (electronPort) electronPort.postMessage(msg)
  else process.send?.(msg)
}

/** A file unchanged since indexing: its stored header, instead of a second parse of the file. */
function storedHeader(known: IndexedFile | null | undefined, rel: string, size: number, mtimeMs: number): HeaderRecord | null {
  if (!known || known[0] !== size || known[1] !== mtimeMs) return null
  try {
    return decodeHeader(known[2], rel, size, mtimeMs)
  } catch {
    return null // a form this version does not read: parse the file
  }
}

async function handle(msg: MainToWorker): Promise<void> {
  if (msg.type === 'shutdown') process.exit(0)
  const { job } = msg
  try {
    const headers: HeaderRecord[] = []
    for (const [i, rel] of job.files.entries()) {
      const abs = join(job.root, rel)
      const st = statSync(abs)
      const h = storedHeader(job.indexed?.[i], rel, st.size, st.mtimeMs) ?? readHeader(abs, rel, st.size, st.mtimeMs)
      if (isSkipped(h)) throw new CuratorError(h.code, `${rel}: ${h.message}`, rel)
      headers.push(h)
    }
    await mkdir(job.outDir, { recursive: true })
    const result = await runPipeline(job.root, headers, job.params, job.outDir, pool, (stage) => send({ type: 'progress', jobId: job.jobId, stage }))
    send({ type: 'done', jobId: job.jobId, result })
  } catch (err) {
    send({ type: 'failed', jobId: job.jobId, error: toErrorInfo(err) })
  }
}

// One job at a time: a queue of one keeps the memory bound per worker.
let chain: Promise<void> = Promise.resolve()
const onMessage = (m: MainToWorker): void => {
  chain = chain.then(() => handle(m))
}
if (electronPort) electronPort.on('message', (e) => onMessage(e.data as MainToWorker))
else process.on('message', (m) => onMessage(m as MainToWorker))
// The parent is gone (killed app): don't linger as an orphan.
process.on('disconnect', () => process.exit(0))
send({ type: 'ready', pid: process.pid })
