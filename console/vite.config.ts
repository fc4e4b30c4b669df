import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// Served by the ingress at /console/; everything is bundled (no CDN), so it works offline.
export default defineConfig({
  base: '/console/',
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 400 },
  server: {
    // `npm run dev -w @asyncfn/console`: the page on Vite's dev server, the API from a running ingress.
    proxy: { '/2023-03-30': 'http://127.0.0.1:9000', '/console/api': 'http://127.0.0.1:9000' },
  },
});
