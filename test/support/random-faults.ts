import type { MockFault } from '../../lib/testing/index.js';

/**
 * A random fault for the next request(s) of a `MockProviderServer` behind a client whose timeout is 400 ms:
 * error statuses (one with `retry-after-ms`), delays past and under the timeout, a hang, resets before and
 * during a body, a malformed JSON body, and the stream faults (cut, malformed event, no terminator, an error
 * event).
 */
export function randomFault(random: () => number): MockFault {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const faults: Array<() => MockFault> = [
    () => ({ status: pick([429, 500, 503, 400, 401]) }),
    () => ({ status: 429, headers: { 'retry-after-ms': '5' } }),
    () => ({ delayMs: 450 + random() * 300 }),
    () => ({ delayMs: Math.floor(random() * 60) }),
    () => ({ hang: true }),
    () => ({ reset: true }),
    () => ({ resetDuringBody: true }),
    () => ({ malformedJson: true }),
    () => ({ cutAfterChunks: 1 + Math.floor(random() * 3) }),
    () => ({ malformedChunk: true }),
    () => ({ endWithoutTerminator: true }),
    () => ({ midStreamError: true }),
  ];
  return pick(faults)();
}

/** Faults after which an attempt cannot succeed, with a 400 ms timeout. */
export function failsAttempt(fault: MockFault | undefined): boolean {
  if (fault === undefined) return false;
  return (
    (fault.status !== undefined && fault.status >= 400) ||
    fault.malformedJson === true ||
    fault.reset === true ||
    fault.resetDuringBody === true ||
    fault.hang === true ||
    (fault.delayMs ?? 0) > 400 ||
    fault.cutAfterChunks !== undefined ||
    fault.malformedChunk === true ||
    fault.endWithoutTerminator === true ||
    (fault.midStreamError !== undefined && fault.midStreamError !== false)
  );
}
