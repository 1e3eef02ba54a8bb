/**
 * Stable error codes. Every failure that reaches a user (UI, CLI, JSON) carries one of these,
 * so scripts can branch on the code and the message can change freely.
 */
export const ERROR_CODES = [
  'BAD_ARGUMENT',
  'NOT_FOUND',
  'NOT_IMPLEMENTED',
  'INTERNAL',
  'DB_OPEN_FAILED',
  'DICOM_NOT_DICOM',
  'DICOM_TRUNCATED',
  'DICOM_EMPTY_FILE',
  'DICOM_NO_PIXEL_DATA',
  'DICOM_UNREADABLE',
  'DICOM_BAD_HEADER',
  'DICOMDIR',
  'DUPLICATE_SOP_INSTANCE',
  'NOT_AN_IMAGE',
  'NOT_CT',
  'UNSUPPORTED_TRANSFER_SYNTAX',
  'SERIES_GAP',
  'IMPLAUSIBLE_GEOMETRY',
  'NO_SERIES',
  'WORKER_CRASHED',
  'WORKER_TIMEOUT',
  'OUT_OF_MEMORY',
  'DISK_FULL',
  'CANCELLED',
  'MERGE_CONFLICT',
  'BUSY',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

/** The wire shape of an error: what the renderer, the CLI's JSON and the database see. */
export interface ErrorInfo {
  code: ErrorCode
  message: string
  /** File or scan the error concerns, relative to the scanned root where there is one. */
  path?: string
}

export class CuratorError extends Error {
  readonly code: ErrorCode
  readonly path?: string
  constructor(code: ErrorCode, message: string, path?: string) {
    super(message)
    this.name = 'CuratorError'
    this.code = code
    this.path = path
  }
  toJSON(): ErrorInfo {
    return this.path === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, path: this.path }
  }
}

/** Normalises anything thrown into the wire shape, once, at the router boundary. */
/** A scan whose volumes the machine cannot hold; `detail` says how much or what failed. */
export function outOfMemory(detail: string): CuratorError {
  return new CuratorError('OUT_OF_MEMORY', `Not enough memory for this scan's volumes (${detail}). Use fewer workers or close other programs, then retry.`)
}

/** No space (or quota) left where a scan's volumes or an export are written; `path` is where. */
export function diskFull(path: string | undefined, detail: string): CuratorError {
  return new CuratorError(
    'DISK_FULL',
    `The disk is full${path ? ` writing ${path}` : ''} (${detail}). Free space there or choose another folder (--cache for process, the output folder for export), then run again: the next \`ct-curator process\` retries the scans that failed for lack of space, and an export resumes where it stopped.`,
  )
}

export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof CuratorError) return err.toJSON()
  if (isErrorInfo(err)) return err
  const errno = (err as { code?: unknown } | null)?.code
  if (errno === 'ENOSPC' || errno === 'EDQUOT') return diskFull((err as { path?: string }).path, String(errno)).toJSON()
  const message = err instanceof Error ? err.message : String(err)
  // A typed array the machine cannot give: a memory problem, not a bug.
  if (err instanceof RangeError && /allocation failed/i.test(message)) return outOfMemory(message).toJSON()
  return { code: 'INTERNAL', message }
}

export function isErrorInfo(x: unknown): x is ErrorInfo {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as ErrorInfo).code === 'string' &&
    (ERROR_CODES as readonly string[]).includes((x as ErrorInfo).code) &&
    typeof (x as ErrorInfo).message === 'string'
  )
}
