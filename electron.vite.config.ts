import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'

export default defineConfig({
  main: {
    build: {
      rolldownOptions: {
        // The worker is its own entry: utility processes run out/main/worker.js.
        input: { index: resolve(__dirname, 'src/main/index.ts'), worker: resolve(__dirname, 'src/main/jobs/worker.ts') },
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
      rolldownOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
  },
})
