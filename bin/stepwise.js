#!/usr/bin/env node
// Launcher: runs the compiled server (dist/, made by `npm run build`) when it is there and newer than every file
// under src/; otherwise the TypeScript sources through tsx, so development needs no build step.
// STEPWISE_FROM_SOURCE=1 forces the sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'stepwise.js');

/** The newest modification time of any file under `dir` (0 when it does not exist). */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const useBuild =
  process.env.STEPWISE_FROM_SOURCE !== '1' &&
  existsSync(built) &&
  statSync(built).mtimeMs >= newest(join(root, 'src'));

if (useBuild) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
