import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// The output is embedded into the Tauri binary and served under a strict CSP (script-src 'self',
// font-src 'self'): nothing may be inlined as a data: URL, and nothing is loaded from the network.
export default defineConfig({
  plugins: [vue()],
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
  },
  // The CJK font lives in ../assets/fonts.
  server: { fs: { allow: ['..'] }, strictPort: true, port: 1420 },
  clearScreen: false,
});
