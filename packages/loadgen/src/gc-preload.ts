// Preloaded (`--expose-gc --import`) into servers whose idle memory the bench measures: SIGUSR2 runs a full GC, so
// RSS samples compare live memory rather than whatever garbage happened to be uncollected. Changes nothing else.
const gc = (globalThis as { gc?: () => void }).gc;
if (gc !== undefined) {
  process.on('SIGUSR2', () => {
    gc();
  });
}
