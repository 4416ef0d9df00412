/**
 * A broken variant of an MBPP solution: every function the tests call is redefined, after the
 * original code, with the body `return None`.
 */
export function brokenVariant(code: string, tests: string[]): string {
  const defined = new Set([...code.matchAll(/^def\s+([A-Za-z_]\w*)\s*\(/gm)].map((m) => m[1]!));
  const called = new Set([...tests.join('\n').matchAll(/([A-Za-z_]\w*)\s*\(/g)].map((m) => m[1]!));
  const targets = [...defined].filter((name) => called.has(name));
  if (targets.length === 0) throw new Error('no function of the solution is called by the tests');
  return `${code}\n\n${targets.map((name) => `def ${name}(*args, **kwargs):\n    return None\n`).join('\n')}`;
}
