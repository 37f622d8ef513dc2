import { Writable } from 'node:stream';
import type { Response } from 'express';
import { MAX_BUFFERED_BYTES, SseSink } from './sse-sink';

type Write = (chunk: unknown, encoding: BufferEncoding, done: (error?: Error | null) => void) => void;

/** A response over a socket that takes chunks as `write` does. */
function fakeResponse(write: Write): Writable & { headers: Record<string, string> } {
  const stream = new Writable({ highWaterMark: 16 * 1024, write });
  return Object.assign(stream, {
    headers: {} as Record<string, string>,
    status() {
      return this;
    },
    setHeader(name: string, value: string) {
      this.headers[name] = value;
    },
    flushHeaders: () => undefined,
  });
}

describe(SseSink.name, () => {
  it('drops a client that stopped reading once its buffer is full, and tells the stream it closed', async () => {
    // Its client never reads: nothing written ever leaves the process's buffer.
    const res = fakeResponse(() => undefined);
    const sink = new SseSink(res as unknown as Response);
    const closed = new Promise<void>((resolve) => sink.onClose(resolve));
    const bar = `event: bar\ndata: ${JSON.stringify({ date: '2026-11-30T15:00:00.000Z', open: 1, high: 2, low: 0.5, close: 1.5, volume: 1000, final: false })}\n\n`;
    for (let i = 0; i < (MAX_BUFFERED_BYTES / bar.length) * 3; i++) sink.write(bar);
    await closed;
    expect(sink.closed).toBe(true);
    expect(res.writableLength).toBeLessThanOrEqual(MAX_BUFFERED_BYTES);
  });

  it('keeps a client that reads, however much it is sent', async () => {
    const res = fakeResponse((_chunk, _encoding, done) => done());
    const sink = new SseSink(res as unknown as Response);
    for (let i = 0; i < 10_000; i++) {
      sink.write(`: keep-alive ${i}\n\n`);
      if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(sink.closed).toBe(false);
  });
});
