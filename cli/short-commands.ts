/**
 * Commands that finish well under a second. They run without V8's optimising compiler (TurboFan),
 * which would spend more CPU compiling their hot functions than the optimised code saves
 * (bench/cli: about a quarter of `validate`'s CPU time), and the build bundles them on their own,
 * run from V8's code cache (cli/short-cli.ts, cli/code-cache.ts). Long-running commands (worker,
 * run, dev) keep TurboFan.
 */
export const SHORT_COMMANDS = ['validate', 'graph'] as const;

export type ShortCommand = (typeof SHORT_COMMANDS)[number];

export function isShortCommand(name: string | undefined): name is ShortCommand {
  return (SHORT_COMMANDS as readonly (string | undefined)[]).includes(name);
}
