import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import S3rver from 's3rver';
import { DUMMY_ACCOUNT } from 's3rver/lib/models/account';
import { findFreePort } from './free-port';

export interface S3EmulatorHandle {
  endpoint: string;
  port: number;
  directory: string;
  stop(): Promise<void>;
}

export interface S3EmulatorOptions {
  port?: number;
  /** Data directory; kept on stop. Without it a temporary directory is used and removed on stop. */
  directory?: string;
}

/**
 * s3rver only knows the access key id "S3RVER" and does not check SigV4 signatures; registering
 * the keys the service and tests actually use lets the default credential chain work unchanged.
 */
function acceptAccessKeys(env: NodeJS.ProcessEnv): void {
  for (const accessKeyId of new Set(['local', env.AWS_ACCESS_KEY_ID ?? 'local'])) {
    DUMMY_ACCOUNT.createKeyPair(accessKeyId, 'unchecked');
  }
}

export async function startS3Emulator(opts: S3EmulatorOptions = {}): Promise<S3EmulatorHandle> {
  const ownsDirectory = opts.directory === undefined;
  const directory =
    opts.directory === undefined ? await mkdtemp(join(tmpdir(), 's3rver-')) : resolvePath(opts.directory);
  await mkdir(directory, { recursive: true });
  const port = opts.port ?? (await findFreePort());

  acceptAccessKeys(process.env);
  const server = new S3rver({ address: '127.0.0.1', port, directory, silent: true });
  try {
    await server.run();
  } catch (error) {
    if (ownsDirectory) await rm(directory, { recursive: true, force: true });
    throw error;
  }

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const closing = server.close();
    // SDK clients keep sockets alive; without this close() waits for them and a restart on the same port fails.
    server.httpServer?.closeAllConnections();
    await closing;
    if (ownsDirectory) await rm(directory, { recursive: true, force: true });
  };
  return { endpoint: `http://127.0.0.1:${port}`, port, directory, stop };
}
