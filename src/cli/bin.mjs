#!/usr/bin/env node
// The `seedance` command (package.json "bin"): src/cli/main.ts through tsx, as `npm run cli` runs it.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
