import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The UI talks only to the public API; in dev (`npm run dev:web`) Vite proxies /api to `npm run dev`.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: {
    port: 5173,
    proxy: { '/api': 'http://localhost:3000', '/t': 'http://localhost:3000', '/u': 'http://localhost:3000' },
  },
});
