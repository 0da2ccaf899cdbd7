/** A function call whose arguments arrive in pieces, with its thought signature. */
export interface WholeFunctionCall {
  call: { name?: unknown; id?: unknown; args: Record<string, unknown> };
  signature: unknown;
}

/**
 * Joins Vertex AI's streamed function-call arguments (`streamFunctionCallArguments`): a `functionCall`
 * with `willContinue: true` opens a call, the parts after it add `partialArgs` (`jsonPath` `$.field` with
 * a `stringValue` appended, or a `numberValue` / `boolValue` / `nullValue`), and the first part without
 * `willContinue` closes it. A plain `functionCall` is whole at once.
 */
export class PartialFunctionCall {
  private open: WholeFunctionCall | undefined;

  /** Adds a `functionCall` part; returns the call once it is whole. */
  add(fc: any, signature: unknown): WholeFunctionCall | undefined {
    if (this.open === undefined && fc?.willContinue !== true && fc?.partialArgs === undefined) return { call: fc, signature };
    const open = (this.open ??= { call: { args: {} }, signature: undefined });
    if (typeof fc?.name === 'string' && fc.name.length > 0) open.call.name = fc.name;
    if (typeof fc?.id === 'string' && fc.id.length > 0) open.call.id = fc.id;
    if (fc?.args !== null && typeof fc?.args === 'object') Object.assign(open.call.args, fc.args);
    if (signature !== undefined) open.signature = signature;
    if (Array.isArray(fc?.partialArgs)) for (const piece of fc.partialArgs) this.apply(open.call.args, piece);
    if (fc?.willContinue === true) return undefined;
    this.open = undefined;
    return open;
  }

  private apply(args: Record<string, unknown>, piece: any): void {
    const path = typeof piece?.jsonPath === 'string' ? piece.jsonPath.replace(/^\$\.?/, '') : '';
    if (path.length === 0) return;
    const keys = path.split('.');
    let target = args;
    for (const key of keys.slice(0, -1)) {
      const next = target[key];
      target = (target[key] = next !== null && typeof next === 'object' ? next : {}) as Record<string, unknown>;
    }
    const key = keys[keys.length - 1]!;
    if (typeof piece.stringValue === 'string') target[key] = (typeof target[key] === 'string' ? target[key] : '') + piece.stringValue;
    else if (typeof piece.numberValue === 'number') target[key] = piece.numberValue;
    else if (typeof piece.boolValue === 'boolean') target[key] = piece.boolValue;
    else if ('nullValue' in piece) target[key] = null;
  }
}
