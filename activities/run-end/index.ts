/**
 * The run-end activity: the pipeline's `notify:` webhooks and, when set, its MLflow run's end.
 * Nothing here fails a run: what cannot be done comes back as notes.
 */
import { Context } from '@temporalio/activity';
import { evaluateExpression, isTruthy } from '../../core/expressions.js';
import type { ArtifactStore } from '../../store/types.js';
import { runMessage } from './message.js';
import type { RunEndSettings } from './settings.js';
import { trackRunEnd } from './track.js';
import type { RunEndInput, RunEndResult } from './types.js';
import { DEFAULT_POST, postOnce, type PostOptions } from './webhook.js';

export type { RunEndSettings } from './settings.js';

function uiLink(base: string, namespace: string, workflowId: string, runId: string): string {
  return `${base.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;
}

/** The `html` output of the run's report step, if it has one. */
function reportOf(input: RunEndInput): string | undefined {
  const step = input.steps.find((s) => s.uses === 'report.build' && (s.state === 'succeeded' || s.state === 'cached'));
  const html = step ? input.scope.steps[step.id]?.outputs.html : undefined;
  return typeof html === 'string' ? html : undefined;
}

async function notify(settings: RunEndSettings, store: ArtifactStore, input: RunEndInput, ui: string | undefined): Promise<string[]> {
  const notes: string[] = [];
  const report = reportOf(input);
  const event = input.state === 'succeeded' ? 'success' : 'failure';
  for (const [name, n] of Object.entries(input.notify ?? {})) {
    if (!n.on.includes(event)) continue;
    if (n.if !== undefined) {
      let holds: boolean;
      try {
        holds = isTruthy(evaluateExpression(n.if, input.scope));
      } catch (err) {
        notes.push(`notifier "${name}": its if: could not be decided (${(err as Error).message}); nothing posted`);
        continue;
      }
      if (!holds) continue;
    }
    const url = n.webhook ?? settings.env[n.webhookEnv!]?.trim();
    if (!url) {
      notes.push(`notifier "${name}": the worker's environment has no ${n.webhookEnv}; set it to the webhook URL on the workflow workers`);
      continue;
    }
    const payload = runMessage(input, { ...(ui ? { ui } : {}), ...(report ? { report } : {}) }, n.text, new Date());
    const problem = await postOnce(store, { runId: input.run.runId, notifier: name, event }, url, payload, settings.post ?? DEFAULT_POST);
    if (problem) notes.push(problem);
  }
  return notes;
}

export async function runEnded(settings: RunEndSettings, store: ArtifactStore, input: RunEndInput): Promise<RunEndResult> {
  const info = Context.current().info;
  // The run identity is `<workflow id>@<first run id>`, for when the activity is told nothing else.
  const at = input.run.runId.lastIndexOf('@');
  const workflowExecution = info.workflowExecution ?? { workflowId: input.run.runId.slice(0, at), runId: input.run.runId.slice(at + 1) };
  const ui = settings.uiUrl ? uiLink(settings.uiUrl, info.workflowNamespace ?? 'default', workflowExecution.workflowId, workflowExecution.runId) : undefined;
  const notes = await notify(settings, store, input, ui);
  if (settings.tracking) {
    try {
      await trackRunEnd(settings.tracking, store, input, workflowExecution);
    } catch (err) {
      notes.push(`experiment tracking: ${(err as Error).message}; the run's params, metrics and report were not logged to MLflow`);
    }
  }
  return { notes };
}
