import { Controller, Get, Req } from '@nestjs/common';
import type { Request } from 'express';
import request from 'supertest';
import { Public } from '../../src/common/auth/auth.decorators';
import { startTestApp, type TestApp } from '../support/test-app';

/** Shows the client address Express derived, the one logs and rate limits would use. */
@Public()
@Controller('__client')
class ClientAddressController {
  @Get()
  address(@Req() req: Request): { ip: string | undefined } {
    return { ip: req.ip };
  }
}

describe('TRUST_PROXY_HOPS (e2e)', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
  });

  const clientIp = async (hops: string | undefined, forwardedFor: string): Promise<string> => {
    const testApp = await startTestApp({ TRUST_PROXY_HOPS: hops }, { controllers: [ClientAddressController] });
    apps.push(testApp);
    return ((await request(testApp.server).get('/__client').set('X-Forwarded-For', forwardedFor).expect(200)).body as { ip: string }).ip;
  };

  it('trusts only the load balancer in front (1 hop by default): a client cannot choose its own address', async () => {
    // The client claims 6.6.6.6; the balancer appended the address it saw, 203.0.113.7.
    expect(await clientIp(undefined, '6.6.6.6, 203.0.113.7')).toBe('203.0.113.7');
  });

  it('follows the configured number of proxies, and none with 0', async () => {
    expect(await clientIp('2', '6.6.6.6, 198.51.100.4, 203.0.113.7')).toBe('198.51.100.4');
    expect(await clientIp('0', '6.6.6.6, 203.0.113.7')).not.toMatch(/203\.0\.113\.7|6\.6\.6\.6/);
  });
});
