/** `repairity sandbox run <predictions> --swebench-instances <instances>`: the harness's report, here. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { assertDockerReachable, createDockerClient } from '../../sandbox/docker/client.js';
import { SweBenchEvaluator } from '../../sandbox/swebench/evaluate.js';
import { evaluatePredictions, formatEvaluationSummary, readInstances, readPredictions } from '../../sandbox/swebench/predictions.js';
import { loadSettings } from '../../worker/settings.js';

export async function runSweBenchPredictions(predictionsFile: string, instancesFile: string, output?: string): Promise<void> {
  const instances = await readInstances(instancesFile);
  const predictions = await readPredictions(predictionsFile);
  const { swebench: settings, sandbox } = loadSettings();
  const docker = createDockerClient(sandbox.dockerHost ? { host: sandbox.dockerHost } : {});
  await assertDockerReachable(docker);
  const outPath = output ?? predictionsFile.replace(/\.jsonl?$/, '') + '.report.json';
  const evaluator = new SweBenchEvaluator({ docker, settings, logDir: path.join(path.dirname(path.resolve(outPath)), 'logs', 'run_evaluation'), log: (l) => process.stderr.write(`swebench: ${l}\n`) });
  const report = await evaluatePredictions(evaluator, instances, predictions, (r) => process.stderr.write(`swebench: ${r.instance_id} ${r.status}${r.message ? `: ${r.message}` : ''}\n`));
  await fs.writeFile(outPath, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(`${formatEvaluationSummary(report)}\nreport: ${outPath}\n`);
}
