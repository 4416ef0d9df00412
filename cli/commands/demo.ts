/**
 * `repairity demo` (`make demo`): the Repairity pipeline end to end on this machine, with nothing
 * configured. It starts (or reuses) the Temporal dev server with its Web UI and in-process workers
 * (the lead's `repairity dev` helpers); without ANTHROPIC_API_KEY it starts the local
 * Anthropic-compatible server answering from the shipped MBPP teacher responses (the teacher is
 * then SIMULATED, and says so); then it runs pipelines/repairity.yaml on a slice of MBPP with the
 * tiny CPU model, shows live progress, and prints where the report is.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Command } from 'commander';
import { loadResponder } from '../../claude-simulator/responses.js';
import { writeTeacherResponses } from '../../claude-simulator/mbpp-teacher.js';
import { startClaudeSimulator, type ClaudeSimulator } from '../../claude-simulator/server.js';
import { reportFolder } from '../../kinds/report/build.js';
import { bindParams } from '../../compiler/index.js';
import { ENV } from '../../core/env.js';
import { PermanentError } from '../../core/errors.js';
import type { RunProgress, RunSummary } from '../../engine/progress.js';
import { workflowQueue } from '../../workflows/queues.js';
import { createProcessWorkers } from '../../worker/from-env.js';
import { compileOrThrow } from '../compile-file.js';
import { connectClient } from '../connection.js';
import { ensureDevServer } from '../../dev-services/temporal.js';
import { demoLine, parseSetupLog, stepTimes, timeLines, type ReportNumbers, type SetupStep } from '../demo-summary.js';
import { formatUsd, watchRun } from '../progress-view.js';
import { findReportInStore } from './report.js';
import { openStore } from '../../store/open.js';
import { loadSettings } from '../../worker/settings.js';

/** Trainer threads of the demo's training and sampling steps: every core (at most 8). */
const DEMO_THREADS = Math.min(8, os.availableParallelism());

/**
 * The demo's size, in one place: the paper's method on MBPP with the pretrained SmolLM2-135M-Instruct
 * (`make student` installs it), sized for about 15 minutes on 2 CPU cores while its numbers mean
 * something. Evaluation: 50 tasks of MBPP's test split, in generation mode (the paper's protocol).
 * Teacher data: 90 other MBPP tasks -> ~72 verified answers, split 55/40/5: ~40 for SFT and ~28
 * validation tasks whose k = 3 candidates give ~75 preference pairs, 55% of them (>= 40) held out
 * to measure the reward model; PPO runs enough iterations for a curve. On CPU, time is tokens: a
 * forward pass costs about the same per token for the prompt as for the answer, so answers end
 * once their code block is closed (`stop_after_code`), the SFT-only ablations, the held-out
 * table and the untrained reward model's measurement are left out (`ablations`, `heldout_eval`,
 * `reward_eval_before`), and every step uses every core, one step at a
 * time. The learning rates are raised for a few dozen LoRA steps (the paper's are for thousands).
 * Other params keep the paper's defaults (LoRA 4/16/0.05, k = 3 at T 0.7-0.9, PPO eps 0.2, beta
 * 0.1, PPO T 1.0, evaluation T 0.2).
 */
export const DEMO_PARAMS = {
  student: 'smollm2-135m',
  split: 'all',
  limit: 90,
  eval_limit: 50,
  reward_base: 'policy',
  subset_fraction: 1,
  train_fraction: 0.55,
  val_fraction: 0.4,
  test_fraction: 0.05,
  ablations: false,
  heldout_eval: false,
  sft_epochs: 1,
  sft_lr: 0.001,
  sft_warmup_steps: 2,
  sft_batch_size: 4,
  sft_grad_accum: 1,
  reward_lr: 0.001,
  reward_epochs: 1,
  reward_grad_accum: 1,
  reward_eval_fraction: 0.55,
  reward_eval_before: false,
  ppo_iterations: 6,
  ppo_epochs: 1,
  ppo_batch_size: 4,
  ppo_minibatch_size: 4,
  ppo_lr: 0.001,
  max_new_tokens: 192,
  ppo_max_new_tokens: 128,
  stop_after_code: true,
  sample_batch_size: 96,
  max_length: 1024,
  threads: DEMO_THREADS,
} as const;

/** `repairity demo --quick`: the tiny random-weights model on a slice of MBPP (the machinery only, a few minutes). */
export const QUICK_PARAMS = {
  student: 'tiny',
  split: 'all',
  limit: 150,
  eval_limit: 20,
  reward_base: 'policy',
  subset_fraction: 0.5,
  sft_epochs: 30,
  sft_lr: 0.003,
  sft_batch_size: 4,
  sft_grad_accum: 1,
  reward_epochs: 3,
  ppo_iterations: 8,
  ppo_batch_size: 4,
  ppo_minibatch_size: 2,
  max_new_tokens: 160,
  max_length: 768,
  threads: 1,
} as const;

interface DemoFlags {
  quick?: boolean;
  port: string;
  uiPort: string;
  param: Record<string, string>;
  stay?: boolean;
}

/** Starts the Claude simulator in this process, answering as the MBPP teacher (its answers written to `responses` once). */
async function startSimulatedTeacher(repo: string, responses: string): Promise<ClaudeSimulator> {
  if (!existsSync(responses)) await writeTeacherResponses(path.join(repo, 'data/mbpp/mbpp.jsonl'), responses);
  return startClaudeSimulator({ responder: await loadResponder(responses) });
}

/** What `make` noted of its set-up steps before the demo (then removed: the next make writes a new one). */
async function readSetupLog(file: string | undefined): Promise<SetupStep[] | undefined> {
  if (!file) return undefined;
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  await fs.rm(file, { force: true });
  return parseSetupLog(text);
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the Repairity pipeline on a slice of MBPP with a pretrained student (dev server, workers and, without ANTHROPIC_API_KEY, a simulated teacher)')
    .option('--quick', 'the tiny random-weights model instead (the machinery only, a few minutes)')
    .option('--port <port>', 'Temporal frontend port', '7233')
    .option('--ui-port <port>', 'Temporal Web UI port', '8233')
    .option('-p, --param <name=value>', 'override a demo param (repeatable)', (v: string, prev: Record<string, string> = {}) => {
      const eq = v.indexOf('=');
      if (eq <= 0) throw new PermanentError(`--param ${v}: expected name=value`);
      return { ...prev, [v.slice(0, eq)]: v.slice(eq + 1) };
    }, {})
    .option('--stay', 'keep the dev server and workers running after the run (Ctrl-C stops)')
    .action(async (flags: DemoFlags) => {
      const started = Date.now();
      const repo = process.cwd();
      let settings = loadSettings();
      const d = settings.defaults;
      const setup = await readSetupLog(settings.setupLog);
      const state = path.join(repo, '.repairity');
      await fs.mkdir(state, { recursive: true });
      const say = (line: string) => process.stderr.write(`${line}\n`);
      Runtime.install({ shutdownSignals: ['SIGINT', 'SIGTERM'], logger: new DefaultLogger('ERROR') });

      let teacher: ClaudeSimulator | undefined;
      if (settings.claude.apiKey) {
        say('teacher: the real Claude (ANTHROPIC_API_KEY is set); Claude calls are billed to that key');
      } else {
        const responses = settings.teacherResponses;
        teacher = await startSimulatedTeacher(repo, responses);
        settings = loadSettings({ override: { [ENV.ANTHROPIC_BASE_URL]: teacher.url } });
        const banner = [
          'TEACHER IS SIMULATED: ANTHROPIC_API_KEY is not set, so Claude is replaced by',
          'a local Anthropic-compatible server answering from sample teacher outputs',
          'shipped with the demo (MBPP reference fixes with a reasoning trace; 20% are',
          'deliberately wrong). Set ANTHROPIC_API_KEY to use the real Claude.',
        ];
        const width = Math.max(...banner.map((l) => l.length));
        say(`┌${'─'.repeat(width + 2)}┐`);
        for (const l of banner) say(`│ ${l.padEnd(width)} │`);
        say(`└${'─'.repeat(width + 2)}┘`);
        say(`simulated teacher at ${teacher.url} (answers: ${responses})`);
      }

      try {
        const server = await ensureDevServer({ binary: d.temporalBin, port: Number(flags.port), uiPort: Number(flags.uiPort), dbFile: path.join(state, 'temporal.db'), logFile: path.join(state, 'temporal.log') });
        say(`Temporal ${server.reused ? 'already running' : 'dev server started'} at ${server.address}`);
        say(`Temporal Web UI: ${server.uiAddress}  (watch the run there)`);
        const { workers, describe, close: closeWorkers } = await createProcessWorkers({ settings, address: server.address });
        say(`workers: ${describe}`);
        const running = workers.map((w) => w.run());
        const stopWorkers = async () => {
          for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
          await Promise.allSettled(running);
          await closeWorkers(); // also removes the sandbox's warm containers
        };

        const file = path.join(repo, 'pipelines', 'repairity.yaml');
        try {
          const { plan } = await compileOrThrow(file);
          const demoParams = flags.quick ? QUICK_PARAMS : DEMO_PARAMS;
          const params = bindParams(plan, { ...Object.fromEntries(Object.entries(demoParams).map(([k, v]) => [k, String(v)])), ...flags.param }, { fromStrings: true });
          const { client, close } = await connectClient({ address: server.address, namespace: d.namespace, queuePrefix: d.queuePrefix });
          try {
            const workflowId = `repairity-demo-${new Date().toISOString().replace(/[:.]/g, '-')}`;
            const pipelineStarted = Date.now();
            const handle = await client.workflow.start('runPipeline', { taskQueue: workflowQueue(d.queuePrefix), workflowId, args: [{ plan, params }], memo: { pipeline: plan.name, source: 'repairity.yaml', params } });
            say(`started ${workflowId}: pipelines/repairity.yaml on MBPP (${String(params.limit)} tasks, student ${String(params.student)})`);
            say(`follow it in the UI: ${server.uiAddress}/namespaces/${d.namespace}/workflows/${workflowId}`);
            // Ctrl-C: the workers stop (Runtime's shutdownSignals), so the run could never end; it is
            // terminated instead, and a new `make demo` reuses every step it finished (step cache).
            const interrupt = new AbortController();
            for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => interrupt.abort());
            await watchRun(client, handle, process.stderr, interrupt.signal);
            if (interrupt.signal.aborted) {
              await handle.terminate('interrupted: repairity demo received a stop signal').catch(() => undefined);
              say(`\ninterrupted: run ${workflowId} terminated; \`make demo\` starts a new run that reuses the steps it finished`);
              process.exitCode = 130;
              return;
            }
            const summary = await handle.result().then((r) => r as RunSummary, () => undefined);
            if (!summary) {
              // The run failed: what failed and where the time went, not the client's error object.
              const progress = await handle.query<RunProgress>('progress');
              say(`\nthe run failed after ${((Date.now() - pipelineStarted) / 60_000).toFixed(1)} min:`);
              for (const s of progress.steps) if (s.state === 'failed') say(`  ${s.id}: ${s.error ?? 'failed'}`);
              for (const line of stepTimes(progress.steps)) say(line);
              say(`Temporal Web UI: ${server.uiAddress}/namespaces/${d.namespace}/workflows/${workflowId}; after a fix, \`make demo\` reuses every step that succeeded`);
              process.exitCode = 1;
              return;
            }
            const pipelineMs = Date.now() - pipelineStarted;
            const store = await openStore(d.store, { s3: settings.s3 });
            // The run's outputs: a run whose report step was served from the step cache gets the report it reused copied into its folder
            const found = await findReportInStore(store, workflowId, summary.outputs);
            // An S3 store has no local path: the demo downloads report.html next to its other state, so there is always a file to open
            let reportFile = found?.file;
            if (found && !reportFile) {
              reportFile = path.join(state, reportFolder(workflowId), 'report.html');
              await fs.mkdir(path.dirname(reportFile), { recursive: true });
              await store.getFile(found.html, reportFile);
            }
            // The benchmark's own tasks (the paper's protocol), and the teacher on them; the held-out split only when that is all there is
            const keys = summary.outputs.bench_base ? ['bench_base', 'bench_sft', 'bench_ppo', 'bench_teacher'] : ['base', 'sft', 'ppo'];
            const metrics = keys.map((k) => summary.outputs[k] as { model: string; tasks: number; passAt1: number | null; compilationRate: number; bleu: number } | null);
            say('');
            say(`finished${summary.usage.requests > 0 ? ` (teacher usage: ${summary.usage.requests} requests, ${formatUsd(summary.usage.costUsd)}${teacher ? ', simulated: nothing billed' : ''})` : ''}`);
            for (const m of metrics) if (m) say(`  ${m.model.padEnd(8)} ${m.tasks} tasks  pass@1 ${((m.passAt1 ?? 0) * 100).toFixed(1)}%  compilation ${(m.compilationRate * 100).toFixed(1)}%  BLEU ${m.bleu.toFixed(2)}`);
            say(`report: ${reportFile ?? String(summary.outputs.report)}`);
            if (found && !found.file) say(`        (downloaded from ${found.html})`);
            if (found?.reusedFrom) say(`        (the report step was served from the step cache: the report of run ${found.reusedFrom})`);
            say(`        (also: npx repairity report ${workflowId})`);
            say(`Temporal Web UI: ${server.uiAddress}/namespaces/${d.namespace}/workflows/${workflowId}${flags.stay ? '' : '  (after the demo exits: "npx repairity dev" serves it again)'}`);
            const numbers = JSON.parse((await store.read(String(summary.outputs.report_json))).toString()) as ReportNumbers;
            for (const line of timeLines({ ...(setup ? { setup } : {}), servicesMs: Date.now() - started - pipelineMs, pipelineMs, steps: summary.steps })) say(line);
            say(demoLine(pipelineMs, numbers));
            process.stdout.write(`${reportFile ?? String(summary.outputs.report)}\n`);
            if (flags.stay) {
              say('--stay: the dev server and workers keep running; Ctrl-C stops');
              await Promise.all(running);
            }
          } finally {
            await close();
          }
        } finally {
          await stopWorkers();
          await server.stop();
        }
      } finally {
        await teacher?.close(); // an open server would keep the process alive after a failed start
      }
    });
}
