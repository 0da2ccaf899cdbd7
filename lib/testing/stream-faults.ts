import type { MockFault } from './fault.js';
import type { MockRoute, StreamAnswer, WireFormatHandler } from './formats/wire-format.js';

/** The frames of a streamed answer once a fault changed them; `cutAfter` set means destroy the connection after them. */
export interface FaultedStream {
  readonly frames: readonly string[];
  readonly cutAfter: number | undefined;
  readonly close: string | undefined;
}

/** Applies a fault's stream changes (missing terminator, malformed event, mid-stream error, cut) to an answer's frames. */
export function applyStreamFaults(
  answer: StreamAnswer,
  fault: MockFault | undefined,
  handler: WireFormatHandler,
  route: MockRoute,
  query: Readonly<Record<string, string>>,
): FaultedStream {
  let frames = answer.frames;
  let cutAfter: number | undefined;
  let close = answer.close;
  if (fault !== undefined) {
    if (fault.endWithoutTerminator === true) frames = frames.slice(0, frames.length - answer.terminatorFrames);
    if (fault.malformedChunk === true) {
      const at = Math.max(1, Math.floor(frames.length / 2));
      frames = [...frames.slice(0, at), handler.malformedFrame(route, query), ...frames.slice(at)];
    }
    const midError = fault.midStreamError;
    if (midError !== undefined && midError !== false) {
      const at = Math.max(1, Math.floor((frames.length - answer.terminatorFrames) / 2));
      const spec = typeof midError === 'object' ? midError : {};
      frames = [...frames.slice(0, at), handler.errorFrame(route, query, spec.type, spec.message)];
    }
    if (fault.cutAfterChunks !== undefined) {
      cutAfter = Math.max(0, Math.min(Math.floor(fault.cutAfterChunks), frames.length - answer.terminatorFrames));
      frames = frames.slice(0, cutAfter);
      close = undefined;
    }
  }
  return { frames, cutAfter, close };
}
