/**
 * Packaging step: flips the Electron fuses of a built app's binary to FUSES
 * (policy.ts) and prints the wire read back from the file.
 *
 *   npm run fuses -- <path to the packaged Electron binary or .app>
 */
import { FuseV1Options, FuseVersion, flipFuses, getCurrentFuseWire } from '@electron/fuses'
import { FUSES } from './policy'

/** FUSES as @electron/fuses wants it; every fuse must be set, so a new Electron fuse is noticed. */
export function fuseConfig(): Parameters<typeof flipFuses>[1] {
  const cfg: Record<number, boolean> = {}
  for (const [name, on] of Object.entries(FUSES)) {
    const index = FuseV1Options[name as keyof typeof FuseV1Options]
    if (index === undefined) throw new Error(`Unknown Electron fuse "${name}" in FUSES`)
    cfg[index] = on
  }
  return { version: FuseVersion.V1, strictlyRequireAllFuses: true, ...cfg } as Parameters<typeof flipFuses>[1]
}

export async function applyFuses(binary: string): Promise<Record<string, string>> {
  await flipFuses(binary, fuseConfig())
  const wire = await getCurrentFuseWire(binary)
  const out: Record<string, string> = {}
  for (const name of Object.keys(FUSES)) {
    const v = (wire as unknown as Record<number, number>)[FuseV1Options[name as keyof typeof FuseV1Options]]
    out[name] = v === 49 ? 'on' : v === 48 ? 'off' : `state ${v}`
  }
  return out
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const binary = process.argv[2]
  if (!binary) {
    process.stderr.write('fuses: give the packaged Electron binary (see the header of src/main/electron/fuses.ts)\n')
    process.exit(2)
  }
  const wire = await applyFuses(binary)
  for (const [k, v] of Object.entries(wire)) process.stdout.write(`${k.padEnd(40)} ${v}\n`)
}
