// A work thread's entry (work-threads.ts). Node 20 starts a worker's module loader without the hooks that
// `node --import tsx` registered in the main thread, so a TypeScript entry fails there
// (ERR_UNKNOWN_FILE_EXTENSION, also with execArgv ['--import', 'tsx']): tsx is registered here first.
//
// Why CommonJS: tsx's ESM hooks (`tsx/esm/api`) run in a hooks thread of their own, one more isolate per
// work thread. Its require hook (`tsx/cjs/api`) compiles in the thread itself. Measured idle, gateway with
// 2 / 4 work threads: 208 / 283 MB RSS with the ESM hooks, 175 / 220 MB with this (a plain-JS bundle of
// the thread, no tsx at all: 170 / 202 MB).
const { register } = require('tsx/cjs/api');

register();
require('./work-thread.ts');
