#!/usr/bin/env node
// Runs the TypeScript CLI straight from source (tsx), so `npx ct-curator` works right after
// `npm install` in a clean clone with no build step.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/main/cli/index.ts')
await main(process.argv)
