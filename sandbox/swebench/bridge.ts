/**
 * Calls the official swebench package through runtime/swebench_bridge.py (in its own venv):
 * `spec` (4.1.0's tables and scripts) and `grade` (5.0.2's get_eval_report).
 */
import { spawn } from 'node:child_process';
import { runtimeFile } from '../protocol.js';
import { SandboxConfigError } from '../errors.js';
import type { SweBenchInstance, SweBenchPrediction } from './instance.js';
import type { SweBenchSettings } from './settings.js';

export interface SweBenchSpecs {
  python?: string;
  packages?: string;
  pip_packages?: string[];
  install?: string;
  pre_install?: string[];
  eval_commands?: string[];
  test_cmd: string | string[];
  [key: string]: unknown;
}

export interface SpecAnswer {
  specs: SweBenchSpecs;
  log_parser: string | null;
  reqs_paths: string[];
  env_yml_paths: string[];
  directives: string[];
  repo_script_list: string[];
  eval_script_list: string[];
}

/** swebench.harness.grading.get_eval_report's entry for one instance. */
export interface GradeReport {
  patch_is_None: boolean;
  patch_exists: boolean;
  patch_successfully_applied: boolean;
  resolved: boolean;
  tests_status?: Record<'FAIL_TO_PASS' | 'PASS_TO_PASS' | 'FAIL_TO_FAIL' | 'PASS_TO_FAIL', { success: string[]; failure: string[] }>;
  [key: string]: unknown;
}

function callBridge<T>(python: string, command: string, request: unknown, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-I', '-c', runtimeFile('swebench_bridge.py'), command], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) =>
      reject(new SandboxConfigError(`swebench ${command}: cannot run ${python} (${e.message}); run \`make swebench-tools\` or set REPAIRITY_SWEBENCH_PYTHON / REPAIRITY_SWEBENCH_SPECS_PYTHON`, {}, { cause: e })),
    );
    child.on('close', (code) => {
      let answer: { error?: string } | undefined;
      try {
        answer = JSON.parse(out.trim().split('\n').pop() ?? '') as { error?: string };
      } catch {
        answer = undefined;
      }
      if (code !== 0 || !answer) {
        reject(new SandboxConfigError(`swebench ${command} for ${what} failed (exit ${code}): ${err.trim().split('\n').slice(-3).join(' | ') || out.slice(-300)}`));
      } else if (answer.error) {
        reject(new SandboxConfigError(`swebench ${command} for ${what}: ${answer.error}`));
      } else resolve(answer as T);
    });
    child.stdin.end(JSON.stringify(request));
  });
}

export function officialSpec(settings: SweBenchSettings, instance: SweBenchInstance): Promise<SpecAnswer> {
  return callBridge<SpecAnswer>(settings.specsPython, 'spec', { instance }, instance.instance_id);
}

/** The instance as 5.0.2's make_test_spec reads it: the published row plus its eval script and parser. */
export interface GradingInstance {
  instance: SweBenchInstance;
  /** The realised 4.1.0 eval script (scripts.ts). */
  evalScript: string;
  logParser: string;
}

function gradingRow(g: GradingInstance): Record<string, unknown> {
  return {
    ...g.instance,
    FAIL_TO_PASS: JSON.stringify(g.instance.FAIL_TO_PASS),
    PASS_TO_PASS: JSON.stringify(g.instance.PASS_TO_PASS),
    eval_script: g.evalScript,
    log_parser: g.logParser,
  };
}

/** The script the harness runs in the container (5.0.2 records the test command's exit code in it). */
export async function officialEvalScript(settings: SweBenchSettings, g: GradingInstance): Promise<string> {
  const answer = await callBridge<{ eval_script: string }>(settings.python, 'script', { instance: gradingRow(g) }, g.instance.instance_id);
  return answer.eval_script;
}

export function officialGrade(settings: SweBenchSettings, g: GradingInstance, prediction: SweBenchPrediction, logFile: string): Promise<GradeReport> {
  return callBridge<GradeReport>(settings.python, 'grade', { instance: gradingRow(g), prediction, log: logFile }, g.instance.instance_id);
}
