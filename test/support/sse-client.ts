import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from 'node:http';

export interface SseMessage {
  readonly event: string;
  readonly data: unknown;
}

export interface SseClient {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Parsed events in arrival order. */
  readonly events: SseMessage[];
  /** `: …` comment lines received (keep-alives). */
  readonly comments: string[];
  /** The whole body, for error answers (JSON envelope). */
  readonly body: () => string;
  /** True once the server ended the response. */
  readonly ended: () => boolean;
  /** Resolves when the predicate holds over what arrived so far (checked on every chunk). */
  waitFor(predicate: (client: SseClient) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

/** A minimal text/event-stream client over node:http, without reconnects (tests count what arrives). */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req: ClientRequest = httpRequest(url, { headers: { Accept: 'text/event-stream', ...headers }, agent: false });
    req.once('error', reject);
    req.once('response', (res) => {
      let raw = '';
      let buffer = '';
      let ended = false;
      const events: SseMessage[] = [];
      const comments: string[] = [];
      const watchers = new Set<() => void>();
      const notify = (): void => [...watchers].forEach((watch) => watch());
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) events.push({ event, data: JSON.parse(data.join('\n')) as unknown });
        }
        notify();
      });
      const finish = (): void => {
        ended = true;
        notify();
      };
      res.once('end', finish);
      res.once('close', finish);
      res.once('error', finish);
      const client: SseClient = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        comments,
        body: () => raw,
        ended: () => ended,
        waitFor(predicate, timeoutMs = 15_000) {
          return new Promise((done, fail) => {
            const check = (): void => {
              if (!predicate(client)) {
                if (ended) {
                  watchers.delete(check);
                  clearTimeout(timer);
                  fail(new Error(`stream ended before the condition held; events: ${JSON.stringify(events.map((e) => e.event))}`));
                }
                return;
              }
              watchers.delete(check);
              clearTimeout(timer);
              done();
            };
            const timer = setTimeout(() => {
              watchers.delete(check);
              fail(new Error(`condition not met within ${timeoutMs} ms; events: ${JSON.stringify(events.slice(-5))}`));
            }, timeoutMs);
            watchers.add(check);
            check();
          });
        },
        close: () => {
          req.destroy();
        },
      };
      resolve(client);
    });
    req.end();
  });
}
