import { isIP } from 'node:net';

/**
 * Key sets travel over TLS: whoever can answer a plain-http JWKS request can mint tokens. Loopback
 * is the exception (a sidecar or a test server on the same host never leaves the machine).
 */
export function isHttpsOrLoopback(url: string): boolean {
  const parsed = new URL(url);
  if (parsed.protocol === 'https:') return true;
  return isLoopbackHost(parsed.hostname);
}

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.split('.')[0] === '127';
  return host === '::1';
}
