import fc from 'fast-check';

// Generators and bookkeeping of the hostile-input property test (test/e2e/hostile-input.property.e2e-spec.ts).

export interface Route {
  readonly method: string;
  readonly path: string;
  readonly query: readonly string[];
  readonly headers: readonly string[];
  /** A valid value of each required query parameter, from the document's example, enum or default. */
  readonly requiredQuery: Readonly<Record<string, string>>;
}

/** Header values as they can travel on the wire: tab, visible ASCII, space, and obs-text (0x80-0xFF). */
const headerChar = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code)),
  fc.constant('\t'),
);
const entityTag = fc.oneof({ weight: 4, arbitrary: fc.nat().map((n) => `"${n}"`) }, fc.constantFrom('W/"1"', '"', '""', '"-1"', '"1e3"', ''));
// fast-check keeps arrays small unless told otherwise; long tag lists (without "*", which would
// make them "any") are the ones that broke DynamoDB.
export const entityTags = fc
  .oneof(fc.array(fc.oneof(entityTag, fc.constant('*')), { maxLength: 12 }), fc.array(entityTag, { minLength: 90, maxLength: 300, size: 'max' }))
  .map((tags) => tags.join(', '));
export const headerValue = fc.oneof(
  fc.string({ unit: headerChar, maxLength: 80 }),
  fc.string({ unit: headerChar, minLength: 200, maxLength: 6000 }),
  entityTags,
  fc.constantFrom('', ' ', '*', '"1"', 'null', 'undefined', '[]', '{}', '%00', '\t'),
);
/** Parameter values: any Unicode (lone surrogates too), long ones, and raw percent sequences. */
export const paramValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }).map(percentEncode),
  fc.string({ unit: 'binary-ascii', minLength: 200, maxLength: 3000 }).map(percentEncode),
  fc.constantFrom('%', '%zz', '%00', '%C0%AF', '..%2F..%2F', '%2e%2e', '%E0%A4%A', '%FF%FE', '%F0%9F%98'),
  fc.uuid(),
  fc.constantFrom('AAPL', 'aapl', 'FB', 'ZZZZ', 'D', '1', '5', '1M', 'YTD', '2026-11-02', '2026-02-30', '9999-12-31', '-1', '0', '1e309', 'true'),
);

export function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
}

/** Every operation of the OpenAPI document, with its documented query and header parameters. */
export function routesOf(documentJson: string): Route[] {
  interface Parameter {
    name: string;
    in: string;
    required?: boolean;
    schema?: { example?: unknown; enum?: unknown[]; default?: unknown };
  }
  const document = JSON.parse(documentJson) as { paths: Record<string, Record<string, { parameters?: Parameter[] }>> };
  const validValue = (p: Parameter): string | undefined => {
    const value = p.schema?.example ?? p.schema?.enum?.[0] ?? p.schema?.default;
    return value === undefined ? undefined : String(value);
  };
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => {
      const query = (operation.parameters ?? []).filter((p) => p.in === 'query');
      return {
        method: method.toUpperCase(),
        path,
        query: query.map((p) => p.name),
        headers: (operation.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name.toLowerCase()),
        requiredQuery: Object.fromEntries(
          query.filter((p) => p.required).flatMap((p) => (validValue(p) === undefined ? [] : [[p.name, validValue(p)!] as const])),
        ),
      };
    }),
  );
}

export class StatusCounts {
  private readonly byRoute = new Map<string, number[]>();

  add(route: string, status: number): void {
    this.byRoute.set(route, [...(this.byRoute.get(route) ?? []), status]);
  }

  of(route: string): string {
    return (this.byRoute.get(route) ?? []).join(' ');
  }

  /** Some request was answered by the route itself: 2xx, or a 4xx other than 400/401/403. */
  reachedService(route: string): boolean {
    return (this.byRoute.get(route) ?? []).some((status) => status < 300 || (status >= 404 && status < 500));
  }
}
