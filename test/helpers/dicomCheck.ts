/**
 * Independent verdicts on a DICOM file from dcmtk's dcmdump (does it parse, to the end?) and
 * dicom3tools' dciodvfy (is it a valid CT image?), to hold our reader's verdict against.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface DcmtkVerdict {
  /** dcmdump read the whole file without an error. */
  dcmdumpOk: boolean
  /** dcmdump's output (tags and values), for picking values out. */
  dump: string
  /** dciodvfy's "Error" lines; null when dciodvfy cannot read the syntax (it has no inflater). */
  dciodvfyErrors: string[] | null
}

async function output(cmd: string, args: string[]): Promise<{ code: number; text: string }> {
  try {
    const r = await run(cmd, args, { maxBuffer: 64 << 20 })
    return { code: 0, text: r.stdout + r.stderr }
  } catch (e) {
    const err = e as { code: number; stdout?: string; stderr?: string }
    return { code: typeof err.code === 'number' ? err.code : 1, text: (err.stdout ?? '') + (err.stderr ?? '') }
  }
}

export async function dcmtkVerdict(file: string): Promise<DcmtkVerdict> {
  // +E: errors on stderr; -q keeps warnings out. dcmdump exits non-zero on a parse error.
  const dump = await output('dcmdump', ['-q', '+E', file])
  const deflated = /=DeflatedLittleEndianExplicit|1\.2\.840\.10008\.1\.2\.1\.99/.test(dump.text)
  let dciodvfyErrors: string[] | null = null
  if (!deflated) {
    // dciodvfy exits non-zero on some warnings too: judge its report, not its exit code.
    const v = await output('dciodvfy', [file])
    dciodvfyErrors = v.text.split('\n').filter((l) => /^\s*Error/.test(l))
  }
  return { dcmdumpOk: dump.code === 0 && !/^E: /m.test(dump.text), dump: dump.text, dciodvfyErrors }
}

/** A value as dcmdump prints it, e.g. `dumpValue(d, '0028,0010')` → "128". */
export function dumpValue(dump: string, tag: string): string | undefined {
  const m = new RegExp(`^\\(${tag}\\) \\w\\w (?:\\[([^\\]]*)\\]|(\\S+))`, 'mi').exec(dump)
  return m ? (m[1] ?? m[2]) : undefined
}
