import { TEST_BACKEND_KEY, type TestBackend } from './global-setup';

type GlobalWithBackend = typeof globalThis & { [TEST_BACKEND_KEY]?: TestBackend };

export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as GlobalWithBackend;
  const backend = holder[TEST_BACKEND_KEY];
  if (backend === undefined) return;
  backend.users -= 1;
  if (backend.users > 0) return;
  delete holder[TEST_BACKEND_KEY];
  await backend.stop();
}
