#!/usr/bin/env node
// Launcher: runs the TypeScript CLI through tsx so no build step is needed for the server.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
