#!/usr/bin/env node
// The `sal` command's bin: a committed file, so npm links it at install time even before the build writes dist/.
import('../dist/bin.js').catch((e) => {
  if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/bin.js')) {
    console.error('sal: @sal/cli is not built yet: run `npm run build` (or `npm run demo`) in the repository first');
    process.exit(1);
  }
  throw e;
});
