/**
 * Evaluates SWE-bench predictions the way swebench.harness.run_evaluation does: per instance, a
 * container from its instance image (no network), the model patch applied with the harness's
 * commands, the eval script run, and the test log graded by the official get_eval_report.
 * Empty predictions are not run (the harness counts them as `empty_patch`); a patch that does not
 * apply, a timeout or a run with no report is an `error`, as in the harness's report.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { SandboxConfigError } from '../errors.js';
import { sandboxLabels } from '../docker/labels.js';
import { runtimeFile } from '../protocol.js';
import { officialEvalScript, officialGrade, officialSpec, type GradeReport, type GradingInstance } from './bridge.js';
import { environmentImage, instanceImage, type ImageContext } from './images.js';
import type { SweBenchInstance, SweBenchPrediction } from './instance.js';
import { repositoryWith } from './repo.js';
import { evalScript } from './scripts.js';

export type InstanceStatus = 'resolved' | 'unresolved' | 'empty_patch' | 'error';

export interface InstanceResult {
  instance_id: string;
  model_name_or_path: string;
  status: InstanceStatus;
  /** get_eval_report's entry (tests_status per FAIL_TO_PASS / PASS_TO_PASS) when the tests ran. */
  report?: GradeReport;
  message?: string;
  /** The test log graded (test_output.txt) and the patch phase's log. */
  testLog?: string;
  durationMs: number;
}

/** Exit code of runtime/swebench_run.sh when no patch command applies the patch. */
const PATCH_FAILED = 97;

interface Prepared extends GradingInstance {
  image: string;
  runScript: string;
}

export interface EvaluatorOptions extends ImageContext {
  /** Where test logs go (<logDir>/<model>/<instance_id>/). */
  logDir: string;
  memoryMb?: number;
  cpus?: number;
}

export class SweBenchEvaluator {
  private readonly prepared = new Map<string, Promise<Prepared>>();

  constructor(private readonly options: EvaluatorOptions) {}

  /** Builds (or finds) the instance's images and its official scripts; once per instance. */
  prepare(instance: SweBenchInstance): Promise<Prepared> {
    let p = this.prepared.get(instance.instance_id);
    if (!p) {
      p = this.build(instance);
      this.prepared.set(instance.instance_id, p);
      p.catch(() => this.prepared.delete(instance.instance_id));
    }
    return p;
  }

  private async build(instance: SweBenchInstance): Promise<Prepared> {
    const { settings } = this.options;
    const spec = await officialSpec(settings, instance);
    if (!spec.log_parser) throw new SandboxConfigError(`swebench has no log parser for ${instance.repo}`);
    const gitDir = await repositoryWith(settings, instance.repo, [instance.base_commit, instance.environment_setup_commit]);
    const envTag = await environmentImage(this.options, spec, instance, gitDir);
    const image = await instanceImage(this.options, envTag, spec, instance, gitDir);
    const grading: GradingInstance = { instance, evalScript: evalScript(spec.eval_script_list), logParser: spec.log_parser };
    return { ...grading, image, runScript: await officialEvalScript(settings, grading) };
  }

  async evaluate(instance: SweBenchInstance, prediction: SweBenchPrediction): Promise<InstanceResult> {
    const started = Date.now();
    const base = { instance_id: instance.instance_id, model_name_or_path: prediction.model_name_or_path };
    if (prediction.model_patch === null || prediction.model_patch === '') return { ...base, status: 'empty_patch', message: 'empty patch: not run (as the harness)', durationMs: 0 };
    const prepared = await this.prepare(instance);
    const dir = path.join(this.options.logDir, prediction.model_name_or_path.replace(/\//g, '__'), instance.instance_id);
    await fs.mkdir(dir, { recursive: true });
    const run = await this.runContainer(prepared, prediction.model_patch);
    const testLog = path.join(dir, 'test_output.txt');
    await fs.writeFile(path.join(dir, 'patch.diff'), prediction.model_patch);
    await fs.writeFile(path.join(dir, 'run_instance.log'), run.stderr);
    await fs.writeFile(testLog, run.stdout + (run.timedOut ? `\n\nTimeout error: ${this.options.settings.timeoutMs / 1000} seconds exceeded.` : ''));
    const durationMs = Date.now() - started;
    if (run.exitCode === PATCH_FAILED) return { ...base, status: 'error', message: `>>>>> Patch Apply Failed: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`, testLog, durationMs };
    if (run.timedOut) return { ...base, status: 'error', message: `tests timed out after ${this.options.settings.timeoutMs / 1000} s`, testLog, durationMs };
    const report = await officialGrade(this.options.settings, prepared, prediction, testLog);
    await fs.writeFile(path.join(dir, 'report.json'), JSON.stringify({ [instance.instance_id]: report }, null, 2));
    return { ...base, status: report.resolved ? 'resolved' : 'unresolved', report, testLog, durationMs };
  }

  private async runContainer(prepared: Prepared, patch: string): Promise<{ stdout: string; stderr: string; exitCode: number | null; timedOut: boolean }> {
    const { docker } = this.options;
    const memory = (this.options.memoryMb ?? 4096) * 1024 * 1024;
    const container = await docker.createContainer({
      Image: prepared.image,
      Cmd: ['/bin/bash', '/tmp/run.sh'],
      // root, as in the harness (the eval script reinstalls into the image's venv), but with no
      // capabilities, no network, and memory, CPU and process limits.
      User: 'root',
      WorkingDir: '/testbed',
      Labels: sandboxLabels('fresh', { 'io.repairity.swebench.instance': prepared.instance.instance_id }),
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      NetworkDisabled: true,
      HostConfig: {
        NetworkMode: 'none',
        Memory: memory,
        MemorySwap: memory,
        NanoCpus: Math.round((this.options.cpus ?? 2) * 1e9),
        PidsLimit: 2048,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        Init: true,
      },
    });
    try {
      await container.putArchive(await filesArchive({ 'tmp/patch.diff': patch, 'eval.sh': prepared.runScript, 'tmp/run.sh': runtimeFile('swebench_run.sh') }), { path: '/' });
      const stream = await container.attach({ stream: true, stdout: true, stderr: true });
      const out = new PassThrough();
      const err = new PassThrough();
      let stdout = '';
      let stderr = '';
      out.on('data', (d: Buffer) => (stdout += d.toString()));
      err.on('data', (d: Buffer) => (stderr += d.toString()));
      docker.modem.demuxStream(stream, out, err);
      const ended = new Promise<void>((resolve) => stream.on('end', () => resolve()));
      await container.start();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        void container.kill().catch(() => undefined);
      }, this.options.settings.timeoutMs);
      const waited = (await container.wait()) as { StatusCode: number };
      clearTimeout(timer);
      await Promise.race([ended, new Promise((r) => setTimeout(r, 2000))]);
      return { stdout, stderr, exitCode: waited.StatusCode, timedOut };
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  }
}

function filesArchive(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) pack.entry({ name, mode: 0o755 }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    pack.on('data', (c: unknown) => chunks.push(c as Buffer));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
}

export interface EvaluationSummary {
  total: number;
  submitted: number;
  resolved: number;
  unresolved: number;
  empty_patch: number;
  error: number;
  incomplete: number;
}

/** Counts as the harness's final report prints them. */
export function summarise(instances: SweBenchInstance[], predictions: SweBenchPrediction[], results: InstanceResult[]): EvaluationSummary {
  const ids = new Set(instances.map((i) => i.instance_id));
  const count = (s: InstanceStatus) => results.filter((r) => r.status === s).length;
  const submitted = new Set(predictions.map((p) => p.instance_id).filter((id) => ids.has(id)));
  return { total: ids.size, submitted: submitted.size, resolved: count('resolved'), unresolved: count('unresolved'), empty_patch: count('empty_patch'), error: count('error'), incomplete: ids.size - submitted.size };
}

export function formatEvaluationSummary(s: EvaluationSummary): string {
  return [
    `Total instances: ${s.total}`,
    `Instances submitted: ${s.submitted}`,
    `Instances resolved: ${s.resolved}`,
    `Instances unresolved: ${s.unresolved}`,
    `Instances with empty patches: ${s.empty_patch}`,
    `Instances with errors: ${s.error}`,
    `Instances incomplete: ${s.incomplete}`,
  ].join('\n');
}
