/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built into the Django app's static folder; Django serves index.html (with the bootstrap JSON) at /console/.
export default defineConfig({
  base: '/static/console/',
  plugins: [react()],
  build: {
    outDir: '../static/console',
    emptyOutDir: true,
    manifest: true, // .vite/manifest.json: the initial-chunk size check reads it
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        // The shell's vendor code in its own long-cached chunk; pages (and ECharts, ProComponents) stay lazy.
        manualChunks(id: string) {
          if (/node_modules\/(react|react-dom|scheduler|react-router|react-router-dom)\//.test(id)) return 'react';
          return undefined;
        },
      },
    },
  },
  server: {
    // `npm run dev`: the API and the file endpoints (/files/: uploads, templates, exports, receipts) of a running
    // `make run` (demo.localhost:8000 by default).
    proxy: Object.fromEntries(['/graphql', '/files'].map((p) => [p, process.env.CONSOLE_API ?? 'http://demo.localhost:8000'])),
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['src/test/setup.ts'],
    css: false,
    // One module graph per worker thread instead of a fresh jsdom + antd import per file (about 2.5 s each of
    // 28 files); src/test/setup.ts resets the shared globals (stubs, spies, storage) after each file.
    pool: 'threads',
    isolate: false,
    testTimeout: 60000, // antd forms in jsdom are slow on a loaded 2-core machine
  },
});
