// A work thread's entry (work-threads.ts). Node 20 starts a worker's module loader without the hooks that
// `node --import tsx` registered in the main thread, so a TypeScript entry fails there
// (ERR_UNKNOWN_FILE_EXTENSION, also with execArgv ['--import', 'tsx']): tsx is registered here first.
import { register } from 'tsx/esm/api';

register();
await import('./work-thread.ts');
