/** `repairity sandbox run <tasks.jsonl>`: judge every row of a task file outside a pipeline. */
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { createDockerClient } from '../../sandbox/docker/client.js';
import { reapSandboxLeftovers } from '../../sandbox/docker/reaper.js';
import { SandboxConfigError } from '../../sandbox/errors.js';
import type { BackendName } from '../../sandbox/options.js';
import { formatSummary, readTasks, runTasks } from '../../sandbox/run-file.js';
import { createSandbox } from '../../sandbox/sandbox.js';
import { runSweBenchPredictions } from './sandbox-swebench.js';
import { loadSettings } from '../../worker/settings.js';

interface RunOpts {
  solutionField?: string;
  output?: string;
  backend?: string;
  poolSize?: string;
  timeoutMs?: string;
  pythonImage?: string;
  javaImage?: string;
  swebenchInstances?: string;
}

const BACKENDS: BackendName[] = ['docker-pool', 'docker-fresh', 'UNSANDBOXED-host'];

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new SandboxConfigError(`${flag} must be a positive integer, got ${value}`);
  return n;
}

/** The task file must be a readable regular file, and the verdicts must not replace it. */
async function checkFiles(tasks: string, output: string): Promise<void> {
  let stat;
  try {
    stat = await fs.stat(tasks);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SandboxConfigError(`cannot read the task file ${tasks}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message}`);
  }
  if (!stat.isFile()) throw new SandboxConfigError(`${tasks} is ${stat.isDirectory() ? 'a folder' : 'not a regular file'}; name a JSONL task file`);
  const real = async (p: string): Promise<string> => fs.realpath(p).catch(() => path.resolve(p));
  if ((await real(tasks)) === (await real(output))) {
    throw new SandboxConfigError(`-o ${output} is the task file itself: the verdicts would replace the tasks; write them to another file`);
  }
  const folder = path.dirname(path.resolve(output));
  if (!(await fs.stat(folder).catch(() => undefined))?.isDirectory()) throw new SandboxConfigError(`cannot write the verdicts to ${output}: there is no folder ${folder}`);
}

export function registerSandbox(program: Command): void {
  const sandbox = program.command('sandbox').description('run candidate code against tests in isolated containers');
  sandbox
    .command('run')
    .description('judge every row of a task file (python-asserts, pytest, java-junit, repo-patch; raw MBPP/HumanEval rows too)')
    .argument('<tasks>', 'JSONL task file')
    .option('--solution-field <name>', 'row field that holds the candidate solution (default: code for MBPP rows)')
    .option('-o, --output <file>', 'verdicts JSONL, one per row in row order (default: <tasks>.verdicts.jsonl)')
    .option('--backend <name>', `${BACKENDS.join(' | ')} (UNSANDBOXED-host: no isolation, development only)`)
    .option('--pool-size <n>', 'warm containers (and tasks at once); default: CPUs')
    .option('--timeout-ms <ms>', 'wall-clock limit per task (default 10000; java 60000, repo-patch 300000)')
    .option('--python-image <image>', 'image for Python tasks instead of the locally built one')
    .option('--java-image <image>', 'image for Java tasks instead of the locally built one')
    .option('--swebench-instances <file>', 'grade <tasks> as a SWE-bench predictions file against these instances (JSONL, published schema); see docs/benchmarks/swebench.md')
    .action(async (file: string, opts: RunOpts) => {
      if (opts.swebenchInstances) return runSweBenchPredictions(file, opts.swebenchInstances, opts.output);
      const { sandbox: settings, swebench } = loadSettings();
      const backend = (opts.backend ?? settings.backend ?? 'docker-pool') as BackendName;
      if (!BACKENDS.includes(backend)) throw new SandboxConfigError(`--backend must be one of ${BACKENDS.join(', ')}`);
      const outPath = opts.output ?? file.replace(/\.jsonl$/, '') + '.verdicts.jsonl';
      await checkFiles(file, outPath);
      const tasks = await readTasks(file, opts.solutionField);
      const docker = backend === 'UNSANDBOXED-host' ? undefined : createDockerClient(settings.dockerHost ? { host: settings.dockerHost } : {});
      const poolSize = positiveInt(opts.poolSize, '--pool-size') ?? settings.poolSize;
      const timeoutMs = positiveInt(opts.timeoutMs, '--timeout-ms');
      const pythonImage = opts.pythonImage ?? settings.pythonImage;
      const javaImage = opts.javaImage ?? settings.javaImage;
      const box = await createSandbox({
        backend,
        ...(docker ? { docker } : {}),
        ...(poolSize ? { poolSize, concurrency: poolSize } : {}),
        ...(timeoutMs ? { timeoutMs } : {}),
        images: { ...(pythonImage ? { python: pythonImage } : {}), ...(javaImage ? { java: javaImage } : {}) },
        swebench,
      });
      if (docker) await reapSandboxLeftovers({ docker });
      const out = createWriteStream(outPath);
      const abort = new AbortController();
      const onSigint = () => abort.abort(new Error('interrupted'));
      process.once('SIGINT', onSigint);
      let done = 0;
      const lines: string[] = new Array<string>(tasks.length);
      let written = 0;
      try {
        const { summary } = await runTasks(tasks, {
          sandbox: box,
          signal: abort.signal,
          onVerdict: (verdict, index) => {
            lines[index] = JSON.stringify({ row: index + 1, ...verdict });
            while (written < lines.length && lines[written] !== undefined) out.write(lines[written++] + '\n');
            done += 1;
            if (process.stderr.isTTY) process.stderr.write(`\r${done}/${tasks.length}`);
          },
        });
        if (process.stderr.isTTY) process.stderr.write('\n');
        process.stdout.write(`${formatSummary(summary)}\nverdicts: ${outPath}\n`);
      } finally {
        process.off('SIGINT', onSigint);
        await new Promise<void>((resolve) => out.end(resolve));
        await box.close();
      }
    });
}
