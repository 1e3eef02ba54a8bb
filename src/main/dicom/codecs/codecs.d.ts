/**
 * Type shims for codec packages that ship no (or broken) declarations. Only what the decoders
 * use is declared. The Cornerstone codecs are Emscripten builds: `getEncodedBuffer(n)` returns a
 * view into WebAssembly memory to copy the codestream into, `getDecodedBuffer()` a view of the
 * result, valid until the decoder is deleted.
 */

interface EmscriptenOptions {
  print?: (line: string) => void
  printErr?: (line: string) => void
}

interface WasmImageFrameInfo {
  width: number
  height: number
  bitsPerSample: number
  componentCount: number
  isSigned?: boolean
}

interface WasmFrameDecoder {
  getEncodedBuffer(length: number): Uint8Array
  getDecodedBuffer(): Uint8Array
  decode(): void
  getFrameInfo(): WasmImageFrameInfo
  delete(): void
}

declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  const factory: (options?: EmscriptenOptions) => Promise<{ J2KDecoder: new () => WasmFrameDecoder }>
  export default factory
}

declare module '@cornerstonejs/codec-charls/decodewasmjs' {
  const factory: (options?: EmscriptenOptions) => Promise<{ JpegLSDecoder: new () => WasmFrameDecoder }>
  export default factory
}

declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs' {
  const factory: (options?: EmscriptenOptions) => Promise<{ JPEGDecoder: new () => WasmFrameDecoder }>
  export default factory
}
