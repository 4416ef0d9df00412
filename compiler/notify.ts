/** The `notify:` block: webhooks posted when a run ends; checked here, -> Plan.notify. */
import type { CompileContext } from './context.js';
import { isRecord } from './context.js';
import type { NotifierPlan } from '../engine/plan.js';
import { checkRunEndExpression } from './references.js';

const EVENTS: readonly unknown[] = ['failure', 'success'];

/** Conditions of notifiers that parsed, by name (kept for the plan). */
const conditions = new WeakMap<CompileContext, Map<string, string>>();

export function checkNotify(ctx: CompileContext): void {
  const notify = ctx.doc.notify;
  if (!isRecord(notify)) return;
  const parsed = new Map<string, string>();
  conditions.set(ctx, parsed);
  for (const [name, raw] of Object.entries(notify)) {
    if (!isRecord(raw)) continue;
    const events = typeof raw.on === 'string' ? [raw.on] : Array.isArray(raw.on) ? raw.on : [];
    events.forEach((event, i) => {
      if (typeof event === 'string' && !EVENTS.includes(event)) {
        ctx.error('bad-notify', ctx.at(typeof raw.on === 'string' ? ['notify', name, 'on'] : ['notify', name, 'on', i]), `notifier "${name}": unknown event "${event}"; events are ${EVENTS.join(', ')} (a condition such as "a model was promoted" goes in if:)`);
      }
    });
    const has = [raw.webhook, raw.webhookEnv].filter((v) => v !== undefined).length;
    if (has !== 1) {
      ctx.error('bad-notify', ctx.at(['notify', name], 'key'), `notifier "${name}" needs exactly one of webhook (the URL) or webhookEnv (the worker's environment variable holding it)${has === 2 ? ', not both' : ''}`);
    }
    if (typeof raw.webhook === 'string') {
      let url: URL | undefined;
      try {
        url = new URL(raw.webhook);
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        ctx.error('bad-notify', ctx.at(['notify', name, 'webhook']), `notifier "${name}": webhook "${raw.webhook}" is not an http(s) URL; write e.g. https://hooks.slack.com/services/..., or name an environment variable with webhookEnv`);
      }
    }
    if (typeof raw.if === 'string') {
      const site = ctx.templates.scanCondition(raw.if, ['notify', name, 'if']);
      if (site) {
        checkRunEndExpression(ctx, site);
        parsed.set(name, site.expression);
      }
    }
  }
}

export function buildNotify(ctx: CompileContext): Record<string, NotifierPlan> | undefined {
  const notify = ctx.doc.notify;
  if (!isRecord(notify) || Object.keys(notify).length === 0) return undefined;
  const out: Record<string, NotifierPlan> = {};
  for (const [name, value] of Object.entries(notify)) {
    const raw = value as Record<string, unknown>;
    const plan: NotifierPlan = { on: typeof raw.on === 'string' ? [raw.on as 'failure' | 'success'] : (raw.on as NotifierPlan['on']) };
    if (typeof raw.webhook === 'string') plan.webhook = raw.webhook;
    if (typeof raw.webhookEnv === 'string') plan.webhookEnv = raw.webhookEnv;
    const condition = conditions.get(ctx)?.get(name);
    if (condition !== undefined) plan.if = condition;
    else if (typeof raw.if === 'boolean') plan.if = String(raw.if);
    if (typeof raw.text === 'string') plan.text = raw.text;
    out[name] = plan;
  }
  return out;
}
