/**
 * The contract every transfer-syntax decoder fulfils. One decoder per syntax (or family of
 * syntaxes sharing a codec), picked by `getDecoder(uid)` in index.ts.
 */

/** The Image Pixel module attributes a decoder needs, read once from the header. */
export interface FrameInfo {
  /** Rows (0028,0010): image height. */
  rows: number
  /** Columns (0028,0011): image width. */
  columns: number
  /** BitsAllocated (0028,0100): 8 or 16. */
  bitsAllocated: number
  /** BitsStored (0028,0101). @default bitsAllocated */
  bitsStored: number
  /** HighBit (0028,0102). @default bitsStored − 1 */
  highBit: number
  /** PixelRepresentation (0028,0103): 0 unsigned, 1 two's complement. @default 0 */
  pixelRepresentation: 0 | 1
  /** SamplesPerPixel (0028,0002): 1 for CT; 3 for colour secondary captures. @default 1 */
  samplesPerPixel: number
  /** PhotometricInterpretation (0028,0004). @default 'MONOCHROME2' */
  photometricInterpretation: string
  /** PlanarConfiguration (0028,0006), colour images only. */
  planarConfiguration?: number
}

/**
 * Stored values of one frame, rows × columns × samplesPerPixel of them, row by row:
 * Int16Array when signed, Uint16Array when unsigned 16-bit, Uint8Array when unsigned 8-bit.
 * No rescale is applied. Decoders return arrays that own their whole buffer (byteOffset 0,
 * no spare bytes), so `pixels.buffer` can be transferred to a worker as it is.
 */
export type PixelArray = Int16Array | Uint16Array | Uint8Array

export interface Decoder {
  /** Human-readable codec name, for messages and logs. */
  readonly name: string
  /** Loads the codec (WebAssembly) on first use; later calls return at once. */
  initialize(): Promise<void>
  /**
   * Decodes one frame. `frame` is the frame's bytes: the raw pixel bytes for native syntaxes,
   * the compressed codestream for encapsulated ones. May have any byteOffset.
   */
  decode(frame: Uint8Array, info: FrameInfo): Promise<PixelArray>
}
