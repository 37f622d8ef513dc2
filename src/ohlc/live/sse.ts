/** Server-sent events wire format (text/event-stream). Data is one line of JSON, so it needs no escaping. */
export function sseEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function sseComment(text: string): string {
  return `: ${text}\n\n`;
}
