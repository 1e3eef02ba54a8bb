import { outOfMemory } from '../../shared/errors'

/**
 * Big buffers handed from one pipeline stage to the next and, in a worker, from one scan to the
 * next. The first write to fresh memory costs a page fault per 4 KiB page (on the VMs measured,
 * 14 µs each: half a second per 157 MB volume), so a run that reuses the source volume's memory
 * for the resampled volume and the resampling scratch for the masks skips most of them.
 *
 * A buffer taken from the pool holds whatever its last user left: callers must write every
 * element they later read.
 *
 * Fresh buffers are SharedArrayBuffers, so the resampling's helper threads can work on the
 * volumes in place (pipeline/zoomThreads.ts); on one thread they behave as plain ones.
 */
export class BufferPool {
  private free: ArrayBufferLike[] = []

  /**
   * @param keep buffers kept between uses (the largest ones); more are left to the GC.
   * @param maxBytes most bytes kept between uses: a run of a 512×512×600 series needs about
   *   1 GB in all, so an idle worker holds no more than its largest run did.
   */
  constructor(
    private readonly keep = 6,
    private readonly maxBytes = 2 ** 30,
  ) {}

  /** The smallest free buffer of at least `bytes`, or a new one of exactly `bytes`. */
  take(bytes: number): ArrayBufferLike {
    let best = -1
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i]!
      if (b.byteLength >= bytes && (best < 0 || b.byteLength < this.free[best]!.byteLength)) best = i
    }
    if (best < 0) {
      try {
        return new SharedArrayBuffer(bytes)
      } catch (err) {
        throw outOfMemory(`${(bytes / 1e6).toFixed(0)} MB: ${(err as Error).message}`)
      }
    }
    return this.free.splice(best, 1)[0]!
  }

  give(buffer: ArrayBufferLike): void {
    if (this.free.includes(buffer)) return
    this.free.push(buffer)
    this.free.sort((a, b) => b.byteLength - a.byteLength)
    // The largest that fit under the cap, at most `keep` of them.
    const kept: ArrayBufferLike[] = []
    let held = 0
    for (const b of this.free) {
      if (kept.length === this.keep || held + b.byteLength > this.maxBytes) continue
      kept.push(b)
      held += b.byteLength
    }
    this.free = kept
  }

  /** Bytes held between uses. */
  get heldBytes(): number {
    return this.free.reduce((a, b) => a + b.byteLength, 0)
  }
}

/**
 * Carves typed arrays out of one buffer, front to back, and falls back to the pool (or fresh
 * memory) when the buffer is full. Everything carved is valid until the buffer's next user.
 */
export class Carver {
  private at = 0
  readonly extra: ArrayBufferLike[] = []
  constructor(
    private readonly buffer: ArrayBufferLike,
    private readonly pool: BufferPool,
  ) {}

  u8(n: number): Uint8Array {
    if (this.at + n <= this.buffer.byteLength) {
      const a = new Uint8Array(this.buffer, this.at, n)
      this.at += n
      return a
    }
    const b = this.pool.take(n)
    this.extra.push(b)
    return new Uint8Array(b, 0, n)
  }
}
