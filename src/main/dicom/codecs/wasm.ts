/**
 * Helpers shared by the WebAssembly decoders: load a codec once, keep it quiet, and turn its
 * failures into CuratorErrors.
 */
import { CuratorError } from '../../../shared/errors'

/**
 * Memoises an async loader: the first call loads, later calls share the same promise. A failed
 * load is forgotten so the next call can try again.
 */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined
  return () => {
    pending ??= load().catch((err: unknown) => {
      pending = undefined
      throw err
    })
    return pending
  }
}

/** The last lines a codec printed, kept for error messages. */
export class CodecLog {
  private lines: string[] = []
  add(line: string): void {
    this.lines.push(line)
    if (this.lines.length > 20) this.lines.shift()
  }
  /** Lines printed since the last call, then forgets them. */
  take(): string[] {
    const lines = this.lines
    this.lines = []
    return lines
  }
}

/**
 * Emscripten module options that route the codec's printing into `log`. OpenJPEG prints `[INFO]`
 * lines to stdout on every decode, which would corrupt the CLI's `--json` output.
 */
export function quietEmscripten(log: CodecLog): { print: (s: string) => void; printErr: (s: string) => void } {
  return { print: (s) => log.add(s), printErr: (s) => log.add(s) }
}

/** Wraps a codec failure (Emscripten throws strings, numbers or Errors) into a CuratorError. */
export function codecError(codec: string, err: unknown, log?: CodecLog): CuratorError {
  if (err instanceof CuratorError) return err
  const detail = err instanceof Error ? err.message : typeof err === 'number' ? `native exception ${err}` : String(err)
  const printed = log?.take().filter((l) => !l.startsWith('[INFO]')) ?? []
  const tail = printed.length > 0 ? ` (${printed.slice(-3).join('; ')})` : ''
  return new CuratorError(
    'DICOM_UNREADABLE',
    `${codec} could not decode the pixel data: ${detail}${tail}. The compressed frame is corrupt or not what its transfer syntax says.`,
  )
}
