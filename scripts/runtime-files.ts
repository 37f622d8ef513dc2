import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, posix, resolve } from 'node:path';

/**
 * What the runtime image ships of the build output: the compiled files `node dist/src/main.js`,
 * the compose file's init job (`node dist/scripts/db-init.js`) and the post-deploy smoke task
 * (`node dist/scripts/smoke.js`) load, found by following their `require` calls — nothing else of
 * dist/ (simulator, benchmarks, dev launcher, dev token).
 * The Dockerfile copies exactly this list (`--copy-to`), and a test checks it from a fresh build.
 */
export const RUNTIME_ENTRY_POINTS = ['src/main.js', 'scripts/db-init.js', 'scripts/smoke.js'] as const;

/** Paths (relative to dist/) the image may never hold, whatever starts requiring them. */
const FORBIDDEN = [/^test\//, /^bench\//, /simulator/i, /dev-token/, /^scripts\/dev\.js$/, /local-stack\/(dynamodb-local|s3-emulator|local-environment|free-port)\.js$/];
/** Everything of src/, db-init with the bootstrap code it shares with the local stack, and the smoke command. */
const ALLOWED = [
  /^src\//,
  /^scripts\/db-init\.js$/,
  /^scripts\/local-stack\/(bootstrap|aws-clients|target-from-env)\.js$/,
  /^scripts\/smoke\.js$/,
  /^scripts\/lib\/smoke-steps\.js$/,
];

export interface RuntimeFiles {
  /** Paths relative to dist/, posix separators, sorted. */
  readonly files: string[];
  /** Bare module specifiers the files require (package names), sorted. */
  readonly packages: string[];
}

export function collectRuntimeFiles(distDir: string): RuntimeFiles {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending: string[] = [...RUNTIME_ENTRY_POINTS];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.has(file)) continue;
    const absolute = join(distDir, file);
    if (!existsSync(absolute)) throw new Error(`runtime-files: ${file} is required but not in ${distDir} (run the build first)`);
    files.add(file);
    for (const specifier of requiredSpecifiers(readFileSync(absolute, 'utf8'))) {
      if (specifier.startsWith('.')) pending.push(resolveRelative(distDir, file, specifier));
      else if (!isBuiltin(specifier)) packages.add(packageName(specifier));
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}

/** Throws when the list holds a file the image must not ship, or needs a package production installs lack. */
export function assertShippable(runtime: RuntimeFiles, productionDependencies: readonly string[]): void {
  const problems = [
    ...runtime.files.filter((f) => FORBIDDEN.some((p) => p.test(f)) || !ALLOWED.some((p) => p.test(f))).map((f) => `${f} must not be in the runtime image`),
    ...runtime.packages.filter((name) => !productionDependencies.includes(name)).map((name) => `${name} is required at run time but is not a production dependency`),
  ];
  if (problems.length > 0) throw new Error(`runtime-files:\n  ${problems.join('\n  ')}`);
}

function requiredSpecifiers(source: string): string[] {
  return [...source.matchAll(/\brequire\((["'])([^"']+)\1\)/g)].map((match) => match[2]);
}

function resolveRelative(distDir: string, from: string, specifier: string): string {
  const base = posix.normalize(posix.join(posix.dirname(from), specifier));
  const candidate = [base, `${base}.js`, posix.join(base, 'index.js')].find((path) => path.endsWith('.js') && existsSync(join(distDir, path)));
  if (candidate === undefined) throw new Error(`runtime-files: ${from} requires ${specifier}, which the build did not produce`);
  return candidate;
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * `node dist/scripts/runtime-files.js [--dist <dir>] [--copy-to <dir>]`: prints the list, or copies
 * it into <copy-to>/dist (the Dockerfile's build stage). Fails when the list holds a forbidden file.
 */
function main(argv: readonly string[]): void {
  const option = (name: string): string | undefined => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  // Run from the project root, as the Dockerfile does in /app.
  const root = process.cwd();
  const distDir = resolve(option('--dist') ?? join(root, 'dist'));
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const runtime = collectRuntimeFiles(distDir);
  assertShippable(runtime, Object.keys(manifest.dependencies ?? {}));
  const copyTo = option('--copy-to');
  if (copyTo === undefined) {
    process.stdout.write(`${runtime.files.join('\n')}\n`);
    return;
  }
  const target = join(resolve(copyTo), 'dist');
  for (const file of runtime.files) {
    mkdirSync(dirname(join(target, file)), { recursive: true });
    copyFileSync(join(distDir, file), join(target, file));
  }
  process.stdout.write(`runtime-files: ${runtime.files.length} files copied to ${target}\n`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
