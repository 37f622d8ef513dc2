// Runs `npm run build` only when a compiled input is newer than the build output, so `db:init`
// and `dev:token` start at once on a current tree (a full tsc build takes seconds on 2 cores).
// Plain JavaScript because it has to run before anything is compiled.
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
// tsconfig.build.json compiles src, scripts and bench, and the test/support files scripts import.
const inputs = ['src', 'scripts', 'bench', 'test/support', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
// tsc rewrites every output on each build, so the oldest of these is when the last build ran.
const outputs = ['dist/src/main.js', 'dist/scripts/dev.js', 'dist/scripts/db-init.js', 'dist/scripts/dev-token.js', 'dist/scripts/smoke.js'];

function newestMtime(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

const builtAt = Math.min(...outputs.map((output) => statSync(join(root, output), { throwIfNoEntry: false })?.mtimeMs ?? 0));
const changedAt = Math.max(...inputs.map((input) => newestMtime(join(root, input))));
if (builtAt > changedAt) process.exit(0);

const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
process.exit(build.status ?? 1);
