import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
/** tsc rewrites every output on each build, so one output's age is the build's age. */
const BUILT_MARKER = join(ROOT, 'dist', 'src', 'main.js');
const BUILD_INPUTS = [join(ROOT, 'tsconfig.json'), join(ROOT, 'tsconfig.build.json')];

function modifiedAt(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0;
}

function newestSource(dir: string): { path: string; mtimeMs: number } {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
    .map((entry) => ({ path: join(entry.parentPath, entry.name), mtimeMs: modifiedAt(join(entry.parentPath, entry.name)) }))
    .reduce((newest, file) => (file.mtimeMs > newest.mtimeMs ? file : newest), { path: '', mtimeMs: 0 });
}

/**
 * Suites that run dist/ in child processes (startServiceProcess, the quota workers) must never
 * test an old build: when any source under src/ (or a tsconfig) is newer than dist/, build now,
 * and stop the run when tsc fails rather than fall back to what dist/ still holds.
 */
export function ensureFreshBuild(): void {
  const newest = [newestSource(join(ROOT, 'src')), ...BUILD_INPUTS.map((path) => ({ path, mtimeMs: modifiedAt(path) }))]
    .reduce((a, b) => (b.mtimeMs > a.mtimeMs ? b : a));
  if (modifiedAt(BUILT_MARKER) >= newest.mtimeMs) return;
  process.stdout.write(`dist/ is older than ${newest.path.slice(ROOT.length + 1)}: building (tsc -p tsconfig.build.json)\n`);
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  if (tsc.status !== 0) {
    throw new Error(`tsc -p tsconfig.build.json failed (exit ${tsc.status ?? tsc.signal}); not testing a stale dist/:\n${tsc.stdout}${tsc.stderr}`);
  }
  if (modifiedAt(BUILT_MARKER) < newest.mtimeMs) throw new Error(`tsc succeeded but did not rewrite ${BUILT_MARKER}`);
}
