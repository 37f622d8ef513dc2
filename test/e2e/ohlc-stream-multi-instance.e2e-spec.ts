import { setTimeout as pause } from 'node:timers/promises';
import { sharedFakeClock } from '../support/fake-clock';
import { startMarketDataSimulator, type MarketDataSimulator } from '../support/market-data-simulator';
import { startServiceProcess, type ServiceProcess } from '../support/service-process';
import { openSse, type SseClient } from '../support/sse-client';
import { signTestToken } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';
import { simulatorEnv } from './ohlc.fixtures';

const SPEED = 10;
const POLL_MS = 15_000;
const MIN = 60_000;
const CLIENTS = 200;

interface BarData { date: string; close: number; final: boolean }
const barsOf = (client: SseClient): BarData[] => client.events.filter((e) => e.event === 'bar').map((e) => e.data as BarData);
const minuteOf = (ms: number): number => Math.floor(ms / MIN) * MIN;
const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Three built service processes and 200 clients watching one ticker, all on one simulated clock
 * running ten times faster than real time (a 15 s poll interval passes in 1.5 s), so the test
 * watches minutes of a session in seconds without sleeping through them.
 */
describe('OHLC live stream across service processes (e2e)', () => {
  // Monday 2026-11-30, 10:00 ET.
  const clock = sharedFakeClock('2026-11-30T15:00:00.000Z', SPEED);
  let resources: TestAwsResources;
  let simulator: MarketDataSimulator;
  let services: ServiceProcess[] = [];

  /** Waits (in short real steps) until the shared clock has reached `ms`. */
  const untilClock = async (ms: number): Promise<void> => {
    while (clock.now().getTime() < ms) await pause(Math.max(5, Math.min(100, clock.realMs(ms - clock.now().getTime()))));
  };
  const pollTimes = (): number[] => {
    const times = simulator.callTimes();
    return simulator.callLog.flatMap((call, i) => (call.ticker.toUpperCase() === 'AAPL' && call.path.includes('/iex/') ? [times[i]] : []));
  };
  const pollsOk = async (service: ServiceProcess): Promise<number> => {
    const text = await (await fetch(`${service.url}/metrics`)).text();
    return Number(/ohlc_live_polls_total\{outcome="ok"\} (\d+)/.exec(text)?.[1] ?? 0);
  };

  beforeAll(async () => {
    resources = await createTestAwsResources();
    simulator = await startMarketDataSimulator({ clock: clock.now, live: true });
    const env = { ...resources.env, ...simulatorEnv(simulator), ...clock.env, OHLC_LIVE_READ_MS: '100', OHLC_LIVE_POLL_SECONDS: '15' };
    services = await Promise.all([0, 1, 2].map(() => startServiceProcess(env, { nodeArgs: clock.nodeArgs })));
  }, 120_000);
  afterAll(async () => {
    // The test kills one process and stops another: only the ones still running are stopped here.
    await Promise.all(services.filter((s) => s.child.exitCode === null && s.child.signalCode === null).map((s) => s.stop()));
    await simulator?.close();
    await resources?.destroy();
  });

  it('polls once per interval for the cluster, every client gets every bar in order, and a dead poller is replaced', async () => {
    const tokens = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => signTestToken(`watcher-${i}`)));
    const clients = await Promise.all(
      tokens.map((token, i) => openSse(`${services[i % 3].url}/api/v2/tickers/AAPL/ohlc/stream?resolution=1`, { Authorization: `Bearer ${token}` })),
    );
    expect(clients.map((c) => c.status)).toEqual(Array(CLIENTS).fill(200));
    await Promise.all(clients.map((c) => c.waitFor((x) => x.events.length >= 1, 30_000)));

    // Two simulated minutes with everyone connected.
    const from = clock.now().getTime();
    await untilClock(from + 2 * MIN);
    const to = clock.now().getTime();
    const polls = pollTimes().filter((t) => t > from && t <= to).length;
    const intervals = Math.floor(to / POLL_MS) - Math.floor(from / POLL_MS);
    expect(Math.abs(polls - intervals)).toBeLessThanOrEqual(1);

    // Bars that started after everyone was connected, up to the last one finished in the window.
    const firstBar = minuteOf(from) + MIN;
    const lastFinal = minuteOf(to) - MIN;
    await Promise.all(clients.map((c) => c.waitFor((x) => barsOf(x).some((b) => b.final && b.date === iso(lastFinal)), 30_000)));
    const inWindow = (client: SseClient): string[] =>
      barsOf(client).filter((b) => b.date >= iso(firstBar) && b.date <= iso(lastFinal)).map((b) => `${b.date}|${b.close}|${b.final}`);
    const reference = inWindow(clients[0]);
    for (const client of clients) {
      const bars = barsOf(client);
      const finals = bars.filter((b) => b.final).map((b) => b.date);
      expect(new Set(finals).size).toBe(finals.length);
      expect(bars.map((b) => b.date)).toEqual([...bars.map((b) => b.date)].sort());
      expect(inWindow(client)).toEqual(reference);
    }
    const expectedFinals = Array.from({ length: (lastFinal - firstBar) / MIN + 1 }, (_, i) => iso(firstBar + i * MIN));
    expect(reference.filter((e) => e.endsWith('|true')).map((e) => e.split('|')[0])).toEqual(expectedFinals);
    // The forming bar changed between polls, and the clients saw each change.
    expect(reference.length).toBeGreaterThan(expectedFinals.length * 2);

    // Kill the process that polls: another takes over within two intervals.
    const counts = await Promise.all(services.map(pollsOk));
    const poller = counts.indexOf(Math.max(...counts));
    const killedAt = clock.now().getTime();
    await services[poller].stop('SIGKILL');
    await untilClock(killedAt + 4 * POLL_MS);
    const times = pollTimes();
    const lastBefore = Math.max(...times.filter((t) => t <= killedAt));
    const firstAfter = Math.min(...times.filter((t) => t > killedAt));
    expect(firstAfter - lastBefore).toBeLessThanOrEqual(2 * POLL_MS);

    // Survivors' clients missed no bar: every minute is final exactly once, without gaps.
    const survivors = clients.filter((_, i) => i % 3 !== poller);
    const lastAfterKill = minuteOf(clock.now().getTime()) - MIN;
    await Promise.all(survivors.map((c) => c.waitFor((x) => barsOf(x).some((b) => b.final && b.date === iso(lastAfterKill)), 30_000)));
    for (const client of survivors) {
      const finals = barsOf(client).filter((b) => b.final && b.date >= iso(firstBar)).map((b) => b.date);
      const expected = Array.from({ length: (minuteOf(Date.parse(finals.at(-1)!)) - firstBar) / MIN + 1 }, (_, i) => iso(firstBar + i * MIN));
      expect(finals).toEqual(expected);
    }

    // SIGTERM: the clients of a stopping process get `end` and it exits cleanly.
    const stopping = (poller + 1) % 3;
    const code = await services[stopping].stop('SIGTERM');
    expect(code).toBe(0);
    for (const [i, client] of clients.entries()) {
      if (i % 3 !== stopping) continue;
      await client.waitFor((x) => x.ended());
      expect(client.events.at(-1)).toEqual({ event: 'end', data: { reason: 'shutdown' } });
    }
    clients.forEach((c) => c.close());
  }, 180_000);
});
