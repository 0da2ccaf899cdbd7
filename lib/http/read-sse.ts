import { createParser, type EventSourceMessage } from 'eventsource-parser';

export type { EventSourceMessage };

/** Reads a text stream as Server-Sent Events (parsed by eventsource-parser). */
export async function* readSse(body: AsyncIterable<string>): AsyncGenerator<EventSourceMessage> {
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => queue.push(event) });
  for await (const text of body) {
    parser.feed(text);
    if (queue.length === 0) continue;
    for (let i = 0; i < queue.length; i++) yield queue[i]!;
    queue.length = 0;
  }
  parser.feed('\n\n');
  for (let i = 0; i < queue.length; i++) yield queue[i]!;
}
