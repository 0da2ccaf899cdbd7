/**
 * Throws one clear error when packages an entry point needs are not installed, before the entry
 * loads them: an ES module whose static imports cannot be resolved fails at link time with Node's
 * `Cannot find package '@nestjs/core' imported from …/dist/adapters/nestjs/…`, which names neither the
 * entry point nor the fix. `resolve` is the entry's `import.meta.resolve` (so packages are looked up
 * from where the entry is installed).
 */
export function requirePeers(entry: string, peers: readonly string[], resolve: (specifier: string) => string): void {
  const missing = peers.filter((peer) => {
    try {
      resolve(peer);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND';
    }
  });
  if (missing.length === 0) return;
  const list = missing.length === 1 ? missing[0]! : `${missing.slice(0, -1).join(', ')} and ${missing.at(-1)!}`;
  throw Object.assign(new Error(`${entry} needs ${list}, which ${missing.length === 1 ? 'is' : 'are'} not installed: npm install ${missing.join(' ')}`), {
    code: 'ERR_LLM_ROUTER_MISSING_PEER',
    missing,
  });
}
