#!/usr/bin/env node
// Runs the built CLI (out/main/cli.js, from `npm run build`) when it is at least as new as every
// source file, so a call does not pay for compiling TypeScript at start-up (0.3–0.6 s through tsx
// on an idle 2-core machine, before a worker even starts). Otherwise — a clean clone without a
// build, or source edited since — it runs the TypeScript straight from source with tsx, so
// `npx ct-curator` always runs the code that is in the folder. CT_CURATOR_FROM_SOURCE=1 forces tsx.
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { builtIsFresh } from './buildFreshness.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const built = join(root, 'out', 'main', 'cli.js')

function useBuilt() {
  return process.env.CT_CURATOR_FROM_SOURCE !== '1' && builtIsFresh(root, built)
}

let main
if (useBuilt()) {
  ;({ main } = await import(pathToFileURL(built).href))
} else {
  const { register } = await import('tsx/esm/api')
  register()
  ;({ main } = await import('../src/main/cli/index.ts'))
}
await main(process.argv)
