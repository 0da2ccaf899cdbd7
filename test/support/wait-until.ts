/**
 * Polls `condition` every 5 ms until it holds or about `boundMs` have passed; returns whether it held.
 * For what a loaded machine delivers late (a request the client gave up on reaching the server's log):
 * the caller asserts on the state afterwards, so the bound never decides a test's outcome by itself.
 */
export async function waitUntil(condition: () => boolean, boundMs = 3_000): Promise<boolean> {
  for (let waited = 0; waited < boundMs && !condition(); waited += 5) await new Promise((r) => setTimeout(r, 5));
  return condition();
}
