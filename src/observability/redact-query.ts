/** Query parameter names whose values are credentials: exact names, and the last segment of nested ones (`user[access_token]`, `a.token`). */
const SECRET_NAMES = new Set(['access_token', 'token', 'apikey', 'api_key', 'key', 'secret', 'client_secret', 'password', 'id_token', 'refresh_token']);
const CENSOR = '[redacted]';
// A value holding a URL that holds a URL…: deep enough for any real redirect chain, bounded for hostile ones.
const MAX_DEPTH = 4;
const NESTING = /[[\].]/;
// What the general path below could change: escapes, nesting, non-ASCII, a value holding '=', a credential name.
const MAYBE_CHANGED = /[%+[\].\u0080-\uffff]|=[^&]*=/;
const SECRET_PAIR = new RegExp(`(?:^|&)(?:${[...SECRET_NAMES].join('|')})(?:[=&]|$)`, 'i');

/**
 * The URL as it may be logged: every credential-named query parameter, at any nesting depth
 * (`a[b][token]`, `a.api_key`, percent-encoded names, and query strings inside parameter values
 * such as `?next=%2Fcb%3Ftoken%3D…`), has its value replaced by `[redacted]`.
 */
export function redactQuery(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const query = url.slice(at + 1);
  // The common case (every OHLC access line): plain names and values, none a credential.
  if (!MAYBE_CHANGED.test(query) && !SECRET_PAIR.test(query)) return url;
  return url.slice(0, at + 1) + redactQueryString(query, 0);
}

function redactQueryString(query: string, depth: number): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      if (isSecretName(decode(rawName))) return `${rawName}=${CENSOR}`;
      if (eq < 0 || depth >= MAX_DEPTH) return pair;
      return `${rawName}=${redactValue(pair.slice(eq + 1), depth)}`;
    })
    .join('&');
}

/** A value that itself carries a query string (a redirect URL) is redacted inside, then re-encoded. */
function redactValue(raw: string, depth: number): string {
  const value = decode(raw);
  if (!value.includes('=')) return raw;
  const at = value.indexOf('?');
  const redacted = at < 0 ? redactQueryString(value, depth + 1) : value.slice(0, at + 1) + redactQueryString(value.slice(at + 1), depth + 1);
  return redacted === value ? raw : encodeURIComponent(redacted);
}

function isSecretName(name: string): boolean {
  // A plain name (no brackets, no dots) is its own last segment: the common case, without the split.
  if (!NESTING.test(name)) return SECRET_NAMES.has(name.toLowerCase());
  const segments = name.toLowerCase().split(/[[\].]+/).filter((segment) => segment !== '');
  return segments.length > 0 && SECRET_NAMES.has(segments[segments.length - 1]);
}

function decode(text: string): string {
  // Most names and values carry no escapes (every OHLC request logs one such URL).
  if (!text.includes('%') && !text.includes('+')) return text;
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
