/**
 * The `thoughtSignature`s Gemini attached to its function calls, by tool call id, so that a later
 * request carrying those tool calls in its history echoes them back (Gemini 3 refuses function calls
 * without their signature). Bounded: the oldest entries are dropped past `capacity`.
 */
export class ThoughtSignatures {
  private readonly byId = new Map<string, string>();

  constructor(private readonly capacity = 1024) {}

  get(id: string): string | undefined {
    return this.byId.get(id);
  }

  set(id: string, signature: string): void {
    this.byId.delete(id);
    this.byId.set(id, signature);
    if (this.byId.size > this.capacity) this.byId.delete(this.byId.keys().next().value!);
  }

  get size(): number {
    return this.byId.size;
  }
}
