/**
 * A SWE-bench predictions file (JSONL, or JSON: a list or {instance_id: prediction}) graded against
 * an instances file (JSONL in the published schema), with a report shaped like the harness's
 * final report (resolved_ids, unresolved_ids, empty_patch_ids, error_ids, ...).
 */
import fs from 'node:fs/promises';
import { SandboxConfigError } from '../errors.js';
import { formatEvaluationSummary, summarise, type EvaluationSummary, type InstanceResult, type SweBenchEvaluator } from './evaluate.js';
import { parseInstance, parsePrediction, type SweBenchInstance, type SweBenchPrediction } from './instance.js';

async function readText(file: string, what: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new SandboxConfigError(`cannot read the ${what} ${file}: ${(err as Error).message}`, {}, { cause: err });
  }
}

function jsonLines(text: string, file: string): unknown[] {
  const rows: unknown[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      rows.push(JSON.parse(line));
    } catch (err) {
      throw new SandboxConfigError(`${file}:${i + 1}: not valid JSON (${(err as Error).message})`);
    }
  });
  return rows;
}

export async function readInstances(file: string): Promise<SweBenchInstance[]> {
  return jsonLines(await readText(file, 'SWE-bench instances file'), file).map((row, i) => parseInstance(row, `${file}:${i + 1}`));
}

export async function readPredictions(file: string): Promise<SweBenchPrediction[]> {
  const text = await readText(file, 'SWE-bench predictions file');
  let rows: unknown[];
  if (file.endsWith('.json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new SandboxConfigError(`${file}: not valid JSON (${(err as Error).message})`);
    }
    rows = Array.isArray(parsed) ? parsed : parsed && typeof parsed === 'object' ? Object.values(parsed) : [];
  } else rows = jsonLines(text, file);
  return rows.map((row, i) => parsePrediction(row, `${file}:${i + 1}`));
}

export interface PredictionsReport extends EvaluationSummary {
  resolved_ids: string[];
  unresolved_ids: string[];
  empty_patch_ids: string[];
  error_ids: string[];
  results: InstanceResult[];
}

/** Grades every prediction whose instance is in `instances`, one at a time (each run uses 2 CPUs). */
export async function evaluatePredictions(evaluator: SweBenchEvaluator, instances: SweBenchInstance[], predictions: SweBenchPrediction[], onResult?: (r: InstanceResult) => void): Promise<PredictionsReport> {
  const byId = new Map(instances.map((i) => [i.instance_id, i]));
  const unknown = predictions.filter((p) => !byId.has(p.instance_id)).map((p) => p.instance_id);
  if (unknown.length) throw new SandboxConfigError(`predictions for instances not in the instances file: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', …' : ''}`);
  const results: InstanceResult[] = [];
  for (const prediction of predictions) {
    const instance = byId.get(prediction.instance_id)!;
    let result: InstanceResult;
    try {
      result = await evaluator.evaluate(instance, prediction);
    } catch (err) {
      if (!(err instanceof SandboxConfigError)) throw err;
      result = { instance_id: instance.instance_id, model_name_or_path: prediction.model_name_or_path, status: 'error', message: err.message, durationMs: 0 };
    }
    results.push(result);
    onResult?.(result);
  }
  const ids = (s: InstanceResult['status']) => results.filter((r) => r.status === s).map((r) => r.instance_id).sort();
  return { ...summarise(instances, predictions, results), resolved_ids: ids('resolved'), unresolved_ids: ids('unresolved'), empty_patch_ids: ids('empty_patch'), error_ids: ids('error'), results };
}

export { formatEvaluationSummary };
