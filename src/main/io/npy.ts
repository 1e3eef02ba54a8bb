/**
 * NumPy .npy files (format version 1.0 written; 1.0, 2.0 and 3.0 read) for the typed arrays the
 * app stores: int16 HU volumes, uint8 masks, float32 maps. C order only; shape [z, y, x] for
 * volumes. The header is padded with spaces and ends in '\n' so that magic + version + length
 * + header is a multiple of 64 bytes, as the NPY spec asks (it keeps the data aligned for mmap).
 * https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */
import { open } from 'node:fs/promises'
import { CuratorError } from '../../shared/errors'

export type NpyArray = Int16Array | Uint8Array | Float32Array
export type NpyDtype = 'int16' | 'uint8' | 'float32'

export interface Npy<T extends NpyArray = NpyArray> {
  data: T
  shape: number[]
  dtype: NpyDtype
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] // \x93NUMPY
const DESCR: Record<NpyDtype, string> = { int16: '<i2', uint8: '|u1', float32: '<f4' }
const ITEM_SIZE: Record<NpyDtype, number> = { int16: 2, uint8: 1, float32: 4 }

export function dtypeOf(data: NpyArray): NpyDtype {
  if (data instanceof Int16Array) return 'int16'
  if (data instanceof Uint8Array) return 'uint8'
  if (data instanceof Float32Array) return 'float32'
  throw new CuratorError('BAD_ARGUMENT', 'npy: only Int16Array, Uint8Array and Float32Array are supported')
}

function checkShape(data: NpyArray, shape: readonly number[]): void {
  const count = shape.reduce((a, b) => a * b, 1)
  if (!shape.every((n) => Number.isInteger(n) && n >= 0) || count !== data.length)
    throw new CuratorError('BAD_ARGUMENT', `npy: shape [${shape.join(', ')}] does not match ${data.length} elements`)
}

/** The header bytes (magic through the padded dict) for an array of this dtype and shape. */
export function npyHeader(dtype: NpyDtype, shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`
  const dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`
  const unpadded = MAGIC.length + 2 + 2 + dict.length + 1
  const total = Math.ceil(unpadded / 64) * 64
  const text = dict + ' '.repeat(total - unpadded) + '\n'
  if (text.length > 0xffff) throw new CuratorError('BAD_ARGUMENT', 'npy: header too long for format 1.0')
  const out = new Uint8Array(total)
  out.set(MAGIC, 0)
  out[6] = 1 // major version
  out[7] = 0 // minor version
  out[8] = text.length & 0xff
  out[9] = text.length >> 8
  for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i)
  return out
}

function littleEndianBytes(data: NpyArray): Uint8Array {
  // Typed arrays use the platform's byte order; every platform Node supports is little endian,
  // and this check keeps it honest.
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1)
    throw new CuratorError('INTERNAL', 'npy: big-endian hosts are not supported')
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}

/** The whole file in memory. For large volumes prefer {@link writeNpy}, which does not copy. */
export function encodeNpy(data: NpyArray, shape: readonly number[]): Uint8Array {
  checkShape(data, shape)
  const header = npyHeader(dtypeOf(data), shape)
  const out = new Uint8Array(header.length + data.byteLength)
  out.set(header, 0)
  out.set(littleEndianBytes(data), header.length)
  return out
}

export async function writeNpy(path: string, data: NpyArray, shape: readonly number[]): Promise<void> {
  checkShape(data, shape)
  const file = await open(path, 'w')
  try {
    await file.write(npyHeader(dtypeOf(data), shape))
    await file.write(littleEndianBytes(data))
  } finally {
    await file.close()
  }
}

function parseHeader(text: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(text)?.[1]
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1]
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1]
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw new CuratorError('BAD_ARGUMENT', `npy: malformed header ${JSON.stringify(text.trim())}`)
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s.replace(/L$/, '')))
  return { descr, fortran: fortran === 'True', shape }
}

function dtypeFromDescr(descr: string): { dtype: NpyDtype; swap: boolean } {
  const order = descr.slice(0, 1)
  const kind = descr.slice(1)
  const dtype: NpyDtype | undefined =
    kind === 'i2' ? 'int16' : kind === 'u1' || kind === 'b1' ? 'uint8' : kind === 'f4' ? 'float32' : undefined
  if (dtype === undefined || !'<>|='.includes(order))
    throw new CuratorError('BAD_ARGUMENT', `npy: unsupported dtype '${descr}' (int16, uint8, bool or float32 only)`)
  return { dtype, swap: order === '>' && ITEM_SIZE[dtype] > 1 }
}

function u8(bytes: Uint8Array, i: number): number {
  return bytes[i] ?? 0
}

/** Parses a whole .npy file. The data is copied into a fresh, aligned buffer. */
export function decodeNpy(bytes: Uint8Array): Npy {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b))
    throw new CuratorError('BAD_ARGUMENT', 'npy: not a .npy file (bad magic)')
  const major = bytes[6]
  let headerLength: number
  let start: number
  if (major === 1) {
    headerLength = u8(bytes, 8) | (u8(bytes, 9) << 8)
    start = 10
  } else if (major === 2 || major === 3) {
    headerLength = (u8(bytes, 8) | (u8(bytes, 9) << 8) | (u8(bytes, 10) << 16)) + u8(bytes, 11) * 0x1000000
    start = 12
  } else {
    throw new CuratorError('BAD_ARGUMENT', `npy: unsupported format version ${major}.${bytes[7]}`)
  }
  const header = parseHeader(
    new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLength)),
  )
  if (header.fortran)
    throw new CuratorError('BAD_ARGUMENT', 'npy: Fortran-order arrays are not supported; save with C order')
  const { dtype, swap } = dtypeFromDescr(header.descr)
  const count = header.shape.reduce((a, b) => a * b, 1)
  const offset = start + headerLength
  const byteLength = count * ITEM_SIZE[dtype]
  if (bytes.length - offset < byteLength)
    throw new CuratorError(
      'BAD_ARGUMENT',
      `npy: file holds ${bytes.length - offset} data bytes, shape needs ${byteLength}`,
    )
  // A copy (not Buffer#slice, which is a view): aligned for Int16Array/Float32Array and detached
  // from the file buffer.
  const raw = new Uint8Array(bytes.subarray(offset, offset + byteLength))
  if (swap) {
    const size = ITEM_SIZE[dtype]
    for (let i = 0; i < raw.length; i += size) raw.subarray(i, i + size).reverse()
  }
  const data = dtype === 'int16' ? new Int16Array(raw.buffer) : dtype === 'float32' ? new Float32Array(raw.buffer) : raw
  return { data, shape: header.shape, dtype }
}

/**
 * Reads a .npy file with its data going straight into a fresh, aligned buffer: one read of the
 * header, one of the data, no second copy of a volume (an 86 MB volume is read, not read and
 * copied). Big-endian or malformed files take the general path.
 */
export async function readNpy(path: string): Promise<Npy> {
  const fh = await open(path, 'r')
  try {
    const head = new Uint8Array(4096)
    const { bytesRead } = await fh.read(head, 0, head.length, 0)
    const major = head[6]
    const headerLength = major === 1 ? u8(head, 8) | (u8(head, 9) << 8) : -1
    const start = 10 + headerLength
    if (bytesRead < 10 || MAGIC.some((b, i) => head[i] !== b) || major !== 1 || start > bytesRead) return decodeNpy(await fh.readFile())
    const header = parseHeader(new TextDecoder('latin1').decode(head.subarray(10, start)))
    const { dtype, swap } = dtypeFromDescr(header.descr)
    if (header.fortran || swap) return decodeNpy(await fh.readFile())
    const count = header.shape.reduce((a, b) => a * b, 1)
    const byteLength = count * ITEM_SIZE[dtype]
    const raw = new Uint8Array(byteLength)
    let off = 0
    while (off < byteLength) {
      const { bytesRead: n } = await fh.read(raw, off, byteLength - off, start + off)
      if (n === 0) throw new CuratorError('BAD_ARGUMENT', `npy: file holds ${off} data bytes, shape needs ${byteLength}`)
      off += n
    }
    const data = dtype === 'int16' ? new Int16Array(raw.buffer) : dtype === 'float32' ? new Float32Array(raw.buffer) : raw
    return { data, shape: header.shape, dtype }
  } finally {
    await fh.close()
  }
}
