import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'

export default defineConfig({
  main: {
    build: {
      rolldownOptions: {
        // The worker is its own entry: utility processes run out/main/worker.js.
        // The CLI too: bin/ct-curator.mjs runs out/main/cli.js when it is not older than the
        // source, which starts 3–5× faster than compiling TypeScript through tsx on every call.
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          worker: resolve(__dirname, 'src/main/jobs/worker.ts'),
          cli: resolve(__dirname, 'src/main/cli/index.ts'),
          // The pipeline's helper thread (src/main/jobs/helperThreads.ts looks for it here).
          helperThread: resolve(__dirname, 'src/main/jobs/helperThread.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      // CommonJS so the window can keep `sandbox: true` (a sandboxed preload cannot be ESM).
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    plugins: [react()],
    build: {
      // Less code to parse before the first picture (the case view's vtk.js most of all).
      minify: true,
      // vtk.js is one ~0.9 MB chunk loaded only with the case view: not a warning worth printing
      // on every first `serve`.
      chunkSizeWarningLimit: 1200,
      rolldownOptions: {
        input: {
          index: resolve(__dirname, 'src/renderer/index.html'),
          // The case-view bench's reference: vtk.js alone on the same volume (test/bench/caseView.ts).
          bare: resolve(__dirname, 'src/renderer/bare.html'),
        },
      },
    },
  },
})
