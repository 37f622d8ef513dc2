import { once } from 'node:events';
import { Agent, createServer, request as forward, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What DynamoDB itself answers when a table or account is over its throughput. */
export const THROTTLING_RESPONSE = {
  status: 400,
  contentType: 'application/x-amz-json-1.0',
  body: JSON.stringify({
    __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
    message: 'Rate of requests exceeds the allowed throughput.',
  }),
} as const;

/** What DynamoDB answers when it fails on its side. */
export const INTERNAL_ERROR_RESPONSE = {
  status: 500,
  contentType: 'application/x-amz-json-1.0',
  body: JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' }),
} as const;

/** Faults applied from now on until changed, each to a random share of the matching requests. */
export interface FaultPlan {
  /** Share (0–1) answered 500 InternalServerError. */
  readonly errorShare?: number;
  /** Share (0–1) answered 400 ThrottlingException. */
  readonly throttleShare?: number;
  /** Added before forwarding, to `latencyShare` (default all) of the requests. */
  readonly latencyMs?: number;
  readonly latencyShare?: number;
  /** Every connection is dropped without an answer, as when DynamoDB is stopped or unreachable. */
  readonly down?: boolean;
  /** Only requests for this operation (e.g. 'TransactWriteItems'); all when omitted. */
  readonly operation?: string;
}

export interface DynamoDbFaultProxy {
  /** Point AWS_ENDPOINT_URL_DYNAMODB here. */
  readonly endpoint: string;
  /**
   * Answers the next `count` requests for `operation` (e.g. 'TransactWriteItems'; any operation
   * when omitted) with a ThrottlingException instead of forwarding them.
   */
  throttleNext(count: number, operation?: string): void;
  /**
   * Parks every `operation` request until `release()`: the caller sees a dependency that is slow
   * for as long as the test wants, without any timing guess. `held()` resolves once one is parked.
   */
  hold(operation: string): { held(): Promise<void>; release(): void };
  /** Switches the faults at run time; `{}` (or clearFaults) lets everything through again. */
  setFaults(plan: FaultPlan): void;
  clearFaults(): void;
  /** Requests answered with an injected 500, throttle or dropped connection so far. */
  injected(): number;
  /**
   * Answers the next `count` BatchWriteItem requests with 200 and every item back in
   * `UnprocessedItems`, as DynamoDB does when a batch meets a throttled partition; nothing is written.
   */
  leaveUnprocessed(count: number): void;
  /**
   * Adds `Limit: limit` to every Query that has none (null stops it), so DynamoDB Local answers
   * in pages with `LastEvaluatedKey` long before its 1 MB page size: callers must follow them.
   */
  pageQueries(limit: number | null): void;
  /**
   * Forwards the next `count` requests for `operation`, lets DynamoDB apply them, then answers
   * 500 instead of DynamoDB's answer: the ambiguous failure a client must retry without counting twice.
   */
  loseResponsesOfNext(count: number, operation: string): void;
  /** Requests received so far (throttled ones included), for `operation` or in all. */
  requests(operation?: string): number;
  close(): Promise<void>;
}

interface ThrottleRule {
  remaining: number;
  readonly operation?: string;
}

/** The SDK sends `X-Amz-Target: DynamoDB_20120810.<Operation>`. */
const operationOf = (req: IncomingMessage): string => {
  const target = req.headers['x-amz-target'];
  return typeof target === 'string' ? target : '';
};

const matches = (target: string, operation: string | undefined): boolean =>
  operation === undefined || target === operation || target.endsWith(`.${operation}`);

/**
 * A loopback HTTP proxy in front of a real DynamoDB endpoint that injects faults on request, so
 * the service's whole client stack (SDK parsing, retry policy, breaker, metrics) meets them as it
 * would meet real DynamoDB. DynamoDB Local does not check signatures, so the Host the SDK signed
 * (the proxy's) does not matter upstream.
 */
export async function startDynamoDbFaultProxy(upstreamEndpoint: string): Promise<DynamoDbFaultProxy> {
  const upstream = new URL(upstreamEndpoint);
  const agent = new Agent({ keepAlive: true });
  const rules: ThrottleRule[] = [];
  const lostResponses: ThrottleRule[] = [];
  const received: string[] = [];
  const holds: Array<{ operation: string; parked: Array<() => void>; released: boolean; onParked: Array<() => void> }> = [];

  let plan: FaultPlan = {};
  let injectedCount = 0;
  // Random, as real throttling is: an exact every-third-request pattern would never fail a call twice in a row.
  const due = (share: number | undefined): boolean => share !== undefined && share > 0 && Math.random() < share;

  const answer = (req: IncomingMessage, res: ServerResponse, canned: { status: number; contentType: string; body: string }): void => {
    injectedCount += 1;
    // Drain the body first so the client's keep-alive socket stays usable.
    req.resume();
    req.once('end', () => {
      res.writeHead(canned.status, { 'content-type': canned.contentType, 'content-length': Buffer.byteLength(canned.body) });
      res.end(canned.body);
    });
  };
  const throttle = (req: IncomingMessage, res: ServerResponse): void => answer(req, res, THROTTLING_RESPONSE);

  /** Applies the current plan; true when the request was answered (or dropped) by a fault. */
  const injectFault = (target: string, req: IncomingMessage, res: ServerResponse): boolean => {
    if (!matches(target, plan.operation)) return false;
    if (plan.down) {
      injectedCount += 1;
      req.socket.destroy();
      return true;
    }
    if (due(plan.errorShare)) {
      answer(req, res, INTERNAL_ERROR_RESPONSE);
      return true;
    }
    if (due(plan.throttleShare)) {
      throttle(req, res);
      return true;
    }
    return false;
  };

  const pass = (req: IncomingMessage, res: ServerResponse): void => {
    const outgoing = forward(
      { agent, hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    // Upstream unreachable: drop the client's connection, as a dead endpoint would.
    outgoing.once('error', () => res.destroy());
    req.pipe(outgoing);
  };

  let unprocessedLeft = 0;
  let queryPageLimit: number | null = null;

  /** Buffers the JSON body, lets `handle` answer or rewrite it, and forwards the rewritten body. */
  const withBody = (req: IncomingMessage, res: ServerResponse, handle: (body: Record<string, unknown>) => Record<string, unknown> | 'answered'): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      const rewritten = handle(body);
      if (rewritten === 'answered') return;
      const text = JSON.stringify(rewritten);
      const outgoing = forward(
        {
          agent, hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url,
          headers: { ...req.headers, 'content-length': String(Buffer.byteLength(text)) },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      outgoing.once('error', () => res.destroy());
      outgoing.end(text);
    });
  };

  const leaveAllUnprocessed = (req: IncomingMessage, res: ServerResponse): void =>
    withBody(req, res, (body) => {
      const answer = JSON.stringify({ UnprocessedItems: body.RequestItems ?? {} });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(answer) });
      res.end(answer);
      return 'answered';
    });

  const applyThenFail = (req: IncomingMessage, res: ServerResponse): void => {
    const outgoing = forward(
      { agent, hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        answer.resume();
        answer.once('end', () => {
          const body = JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'injected' });
          res.writeHead(500, { 'content-type': THROTTLING_RESPONSE.contentType, 'content-length': Buffer.byteLength(body) });
          res.end(body);
        });
      },
    );
    outgoing.once('error', () => res.destroy());
    req.pipe(outgoing);
  };

  const server = createServer((req, res) => {
    const target = operationOf(req);
    received.push(target);
    if (injectFault(target, req, res)) return;
    if (plan.latencyMs && matches(target, plan.operation) && due(plan.latencyShare ?? 1)) {
      setTimeout(() => route(target, req, res), plan.latencyMs);
      return;
    }
    route(target, req, res);
  });
  const route = (target: string, req: IncomingMessage, res: ServerResponse): void => {
    const hold = holds.find((h) => !h.released && matches(target, h.operation));
    if (hold !== undefined) {
      hold.parked.push(() => pass(req, res));
      hold.onParked.splice(0).forEach((notify) => notify());
      return;
    }
    if (unprocessedLeft > 0 && matches(target, 'BatchWriteItem')) {
      unprocessedLeft -= 1;
      leaveAllUnprocessed(req, res);
      return;
    }
    if (queryPageLimit !== null && matches(target, 'Query')) {
      const limit = queryPageLimit;
      withBody(req, res, (body) => (body.Limit === undefined ? { ...body, Limit: limit } : body));
      return;
    }
    const lost = lostResponses.find((r) => r.remaining > 0 && matches(target, r.operation));
    if (lost !== undefined) {
      lost.remaining -= 1;
      applyThenFail(req, res);
      return;
    }
    const rule = rules.find((r) => r.remaining > 0 && matches(target, r.operation));
    if (rule === undefined) {
      pass(req, res);
      return;
    }
    rule.remaining -= 1;
    throttle(req, res);
  };
  // A dropped connection is the point of `down`; the socket error it causes is expected.
  server.on('clientError', (_error, socket) => socket.destroy());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    setFaults(next) {
      plan = { ...next };
    },
    clearFaults() {
      plan = {};
    },
    injected: () => injectedCount,
    throttleNext(count, operation) {
      rules.push({ remaining: count, operation });
    },
    hold(operation) {
      const hold = { operation, parked: [] as Array<() => void>, released: false, onParked: [] as Array<() => void> };
      holds.push(hold);
      return {
        held: () => (hold.parked.length > 0 ? Promise.resolve() : new Promise<void>((resolve) => hold.onParked.push(resolve))),
        release: () => {
          hold.released = true;
          hold.parked.splice(0).forEach((forwardParked) => forwardParked());
        },
      };
    },
    leaveUnprocessed(count) {
      unprocessedLeft = count;
    },
    pageQueries(limit) {
      queryPageLimit = limit;
    },
    loseResponsesOfNext(count, operation) {
      lostResponses.push({ remaining: count, operation });
    },
    requests(operation) {
      return received.filter((target) => matches(target, operation)).length;
    },
    async close() {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      agent.destroy();
      await closed;
    },
  };
}
