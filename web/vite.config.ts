import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The launcher (stack/src/launcher/serveWebClient.ts) adds the development routes (/app-config.json,
// /dev/token) and the ports; this is what any build of the app needs.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  server: { port: 5173, strictPort: true, host: '127.0.0.1' },
  build: { outDir: 'dist', emptyOutDir: true },
});
