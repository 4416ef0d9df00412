import type { Command } from 'commander';
import { PermanentError } from '../../core/errors.js';
import { openStore } from '../../store/open.js';
import type { RunProgress } from '../../engine/progress.js';
import { connectClient, withConnectionFlags, type ConnectionFlags } from '../connection.js';
import { describeLog, findLogs } from '../step-logs.js';
import { loadDefaults, loadSettings } from '../../worker/settings.js';

interface LogsFlags extends ConnectionFlags {
  step?: string;
  item?: string;
  follow?: boolean;
  store: string;
}

const FOLLOW_MS = 1000;

export function registerLogs(program: Command): void {
  withConnectionFlags(
    program
      .command('logs')
      .description("print a run's step logs, kept in the store: trainer stderr and events, sandbox output, Claude request ids, every attempt")
      .argument('<runId>', 'workflow id of the run')
      .option('--step <id>', 'only this step')
      .option('--item <n>', 'only this item of a forEach step')
      .option('-f, --follow', 'keep printing what is added until the run ends')
      .option('--store <uri>', 'artifact store (env REPAIRITY_STORE)', loadDefaults().store),
  ).action(async (id: string, flags: LogsFlags) => {
    const item = flags.item === undefined ? undefined : Number(flags.item);
    if (item !== undefined && !(Number.isSafeInteger(item) && item >= 0)) throw new PermanentError(`--item ${flags.item}: expected an item index (0, 1, …)`);
    const store = await openStore(flags.store, { s3: loadSettings().s3 });
    const { client, close } = await connectClient(flags);
    try {
      const handle = client.workflow.getHandle(id);
      const description = await handle.describe();
      // Run state lives under the run's identity: its workflow id and first execution.
      const runKey = `${id}@${description.runId}`;
      let progress: RunProgress | undefined;
      try {
        progress = await handle.query<RunProgress>('progress');
      } catch {
        progress = undefined; // no worker answers queries: steps are then known only by what --step names
      }
      const stepIds = progress?.steps.map((s) => s.id) ?? [];
      if (flags.step !== undefined && progress && !stepIds.includes(flags.step)) throw new PermanentError(`--step ${flags.step}: run ${id} has no such step (steps: ${stepIds.join(', ')})`);
      if (flags.step === undefined && !progress) throw new PermanentError(`no worker answers for run ${id}, so its steps are unknown: name one with --step`);
      const printed = new Map<string, number>();
      const printNew = async (): Promise<number> => {
        let n = 0;
        for (const f of await findLogs(store, runKey, stepIds, { ...(flags.step !== undefined ? { step: flags.step } : {}), ...(item !== undefined ? { item } : {}) })) {
          const text = (await store.read(f.key)).toString('utf8');
          const from = printed.get(f.key);
          if (from === undefined) process.stdout.write(`==> ${describeLog(f)} <==\n`);
          const rest = text.slice(from ?? 0);
          if (rest) process.stdout.write(rest);
          printed.set(f.key, text.length);
          n++;
        }
        return n;
      };
      let found = await printNew();
      while (flags.follow && (await handle.describe()).status.name === 'RUNNING') {
        await new Promise((r) => setTimeout(r, FOLLOW_MS));
        found = await printNew();
      }
      if (flags.follow) found = await printNew();
      if (found === 0) process.stderr.write(`no logs for run ${id}${flags.step ? ` step ${flags.step}` : ''}${item !== undefined ? ` item ${item}` : ''} in ${store.rootUri} (steps write them as they run; a run on another store needs --store / REPAIRITY_STORE)\n`);
    } finally {
      await close();
    }
  });
}
