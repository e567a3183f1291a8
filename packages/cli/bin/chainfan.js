#!/usr/bin/env node
// The installed `chainfan` command: runs the built JavaScript. A file of its own, so npm links the command at install
// time, before `npm run build` has written dist/ in a fresh clone.
try {
  await import('../dist/main.js');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('main.js')) {
    console.error('chainfan: not built yet; run `npm run build` first');
    process.exit(1);
  }
  throw err;
}
