import { createAwsClients, type AwsClients } from '../../scripts/local-stack/aws-clients';
import { startTestApp, type TestApp } from './test-app';
import { createTestAwsResources, type TestAwsResources } from './test-resources';

export interface AppWithAws {
  /** Fresh tables and bucket of this suite. */
  readonly resources: TestAwsResources;
  /** SDK clients on those resources, to arrange and inspect stored state. */
  readonly clients: AwsClients;
  /** The real app over those resources. */
  readonly testApp: TestApp;
}

/**
 * Registers beforeAll/afterAll hooks that create fresh AWS resources, clients for them and the app
 * over them, and tear all three down again. The returned properties are only set once beforeAll
 * has run: read them inside hooks and tests, never in the describe body itself.
 *
 * @param env variables on top of the resources' own, e.g. a longer request deadline.
 */
export function useAppWithAws(env: (resources: TestAwsResources) => Record<string, string> = () => ({})): AppWithAws {
  let resources: TestAwsResources | undefined;
  let clients: AwsClients | undefined;
  let testApp: TestApp | undefined;

  beforeAll(async () => {
    resources = await createTestAwsResources();
    clients = createAwsClients({ ...resources });
    testApp = await startTestApp({ ...resources.env, ...env(resources) });
  });
  afterAll(async () => {
    await testApp?.close();
    clients?.destroy();
    await resources?.destroy();
  });

  return {
    get resources() {
      return ready(resources, 'resources');
    },
    get clients() {
      return ready(clients, 'clients');
    },
    get testApp() {
      return ready(testApp, 'testApp');
    },
  };
}

function ready<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`useAppWithAws: ${name} is read before beforeAll set it up (or set-up failed)`);
  return value;
}
