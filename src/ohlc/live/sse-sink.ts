import type { Response } from 'express';
import { sseEvent } from './sse';

/**
 * What may wait in this process for a client that stopped reading (the kernel's socket buffers
 * come on top). Far above a full day's snapshot of 1-minute bars (~40 KB); past it the stream
 * is dropped, so a stalled client costs bounded memory, and the client may reconnect.
 */
export const MAX_BUFFERED_BYTES = 256 * 1024;

/**
 * One client's event stream over an Express response. Nothing is written before `start()`, so an
 * error up to then still reaches the global filter and leaves as the usual JSON envelope.
 */
export class SseSink {
  private started = false;
  private closedFlag = false;
  private readonly closeHandlers: Array<() => void> = [];

  constructor(private readonly res: Response) {
    res.once('close', () => {
      this.closedFlag = true;
      for (const handler of this.closeHandlers.splice(0)) handler();
    });
  }

  get closed(): boolean {
    return this.closedFlag || this.res.destroyed;
  }

  /** Runs once when the client goes away or we end the stream; at once when that already happened. */
  onClose(handler: () => void): void {
    if (this.closed) handler();
    else this.closeHandlers.push(handler);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.res.status(200);
    this.res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    this.res.setHeader('Cache-Control', 'no-store');
    this.res.setHeader('Connection', 'keep-alive');
    // Proxies such as nginx would otherwise buffer the stream and deliver bars late.
    this.res.setHeader('X-Accel-Buffering', 'no');
    this.res.flushHeaders();
  }

  event(name: string, data: unknown): void {
    this.write(sseEvent(name, data));
  }

  write(chunk: string): void {
    if (this.closed) return;
    this.start();
    if (this.res.writableLength + Buffer.byteLength(chunk) > MAX_BUFFERED_BYTES) {
      // Destroying emits 'close': the feed forgets the client and its slot is released, as on a disconnect.
      this.res.destroy();
      return;
    }
    this.res.write(chunk);
  }

  end(reason: string): void {
    if (this.closed) return;
    this.event('end', { reason });
    this.res.end();
  }
}
