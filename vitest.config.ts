import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    // Generous: several tests run the whole pipeline in real processes on a 2-core machine.
    testTimeout: 300_000,
    hookTimeout: 180_000,
    // UI tests poll what a page shows; on a loaded 2-core machine a second is not enough.
    expect: { poll: { timeout: 30_000, interval: 100 } },
    // Tests spawn real processes and Chromium; two cores, so keep parallelism modest.
    maxWorkers: 2,
    fileParallelism: true,
  },
})
