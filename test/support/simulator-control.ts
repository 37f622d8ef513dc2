import { IncomingMessage, ServerResponse } from 'node:http';
import type { MarketDataSimulator } from './market-data-simulator.types';
import { NullVolumeMode, send, SimulatedProvider } from './simulator-providers';

/**
 * Body of `POST /__control`, the same switches as the JS handle so `npm run dev` users can
 * break a provider with curl. Provider switches apply to both providers when `provider` is absent.
 */
export interface SimulatorControlRequest {
  reset?: boolean;
  provider?: SimulatedProvider;
  latencyMs?: number;
  failWith?: number | null;
  throttle?: number | null;
  hang?: boolean;
  nullVolumes?: NullVolumeMode;
  extendedHours?: boolean;
  unknownTickers?: string[];
}

const MAX_BODY_BYTES = 64 * 1024;

function status(simulator: MarketDataSimulator): unknown {
  return { calls: { tiingo: simulator.calls('tiingo'), finnhub: simulator.calls('finnhub') } };
}

function apply(simulator: MarketDataSimulator, control: SimulatorControlRequest): void {
  if (control.reset) simulator.reset();
  const providers: SimulatedProvider[] = control.provider ? [control.provider] : ['tiingo', 'finnhub'];
  for (const provider of providers) {
    if (control.latencyMs !== undefined) simulator.setLatency(provider, control.latencyMs);
    if (control.failWith !== undefined) simulator.failWith(provider, control.failWith);
    if (control.throttle !== undefined) simulator.throttle(provider, control.throttle);
    if (control.hang !== undefined) simulator.hang(provider, control.hang);
    if (control.nullVolumes !== undefined) simulator.nullVolumes(provider, control.nullVolumes);
    if (control.extendedHours !== undefined) simulator.extendedHours(provider, control.extendedHours);
  }
  if (control.unknownTickers) simulator.unknownTickers(control.unknownTickers);
}

/** `GET /__control` reports call counts; `POST /__control` changes switches, then reports. */
export function applyControl(simulator: MarketDataSimulator, req: IncomingMessage, res: ServerResponse): void {
  if (req.method === 'GET') return send(res, { status: 200, body: status(simulator) });
  if (req.method !== 'POST') return send(res, { status: 405, body: { detail: 'Use GET or POST' } });
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  req.on('end', () => {
    try {
      if (size > MAX_BODY_BYTES) throw new RangeError('body too large');
      const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError('not an object');
      apply(simulator, parsed as SimulatorControlRequest);
      send(res, { status: 200, body: status(simulator) });
    } catch (error: unknown) {
      send(res, { status: 400, body: { detail: `Invalid control request: ${(error as Error).message}` } });
    }
  });
}
