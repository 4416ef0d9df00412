/** The `schedule:` block: cron strings (checked with croner), time zone, params; -> SchedulePlan. */
import { Cron } from 'croner';
import type { CompileContext } from './context.js';
import { isRecord } from './context.js';
import { parseDuration } from './duration.js';
import { checkParamValue } from './params.js';
import type { SchedulePlan } from '../engine/plan.js';
import { quote } from './limits.js';
import { didYouMean, listNames } from './suggest.js';

const timeZones = new Map<string, boolean>();

/** Whether the runtime knows the IANA zone (answers memoised: creating a formatter is slow). */
function isTimeZone(zone: string): boolean {
  let known = timeZones.get(zone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      known = true;
    } catch {
      known = false;
    }
    if (timeZones.size < 1000) timeZones.set(zone, known);
  }
  return known;
}

export function checkSchedule(ctx: CompileContext): void {
  const schedule = ctx.doc.schedule;
  if (!isRecord(schedule)) return;
  const crons: [unknown, (string | number)[]][] =
    typeof schedule.cron === 'string' ? [[schedule.cron, ['schedule', 'cron']]] : Array.isArray(schedule.cron) ? schedule.cron.map((c, i) => [c, ['schedule', 'cron', i]]) : [];
  for (const [cron, path] of crons) {
    if (typeof cron !== 'string') continue;
    try {
      new Cron(cron, { paused: true });
    } catch (err) {
      const reason = ((err as Error).message ?? String(err)).replace(/^CronPattern: /, '');
      ctx.error('bad-cron', ctx.at(path), `invalid cron "${cron}": ${reason}; write 5 fields "minute hour day-of-month month day-of-week" (e.g. "0 3 * * *", 03:00 daily), or @daily, @hourly, @weekly`);
    }
  }
  if (typeof schedule.timezone === 'string') {
    if (!isTimeZone(schedule.timezone)) {
      ctx.error('bad-timezone', ctx.at(['schedule', 'timezone']), `unknown time zone "${schedule.timezone}"; use an IANA name such as "UTC" or "Europe/Paris"`);
    }
  }
  if (isRecord(schedule.params)) {
    const declared = [...ctx.params.keys()];
    for (const [name, value] of Object.entries(schedule.params)) {
      const spec = ctx.params.get(name);
      if (!spec) {
        ctx.error('unknown-param', ctx.at(['schedule', 'params', name], 'key'), `schedule.params sets unknown param "${quote(name)}"${didYouMean(name, declared) || (declared.length ? `; declared params: ${listNames(declared)}` : '')}`);
        continue;
      }
      const problem = checkParamValue(name, spec, value);
      if (problem) ctx.error('param-type', ctx.at(['schedule', 'params', name]), `schedule.params: ${problem}`);
    }
  }
  for (const [name, spec] of ctx.params) {
    if (spec.default === undefined && !(isRecord(schedule.params) && name in schedule.params)) {
      ctx.error('param-type', ctx.at(['schedule'], 'key'), `scheduled runs get no params from a command line: give param "${name}" (${spec.type}, no default) under schedule.params`);
    }
  }
}

export function buildSchedule(ctx: CompileContext): SchedulePlan | undefined {
  const s = ctx.doc.schedule;
  if (!isRecord(s)) return undefined;
  const plan: SchedulePlan = {
    cron: typeof s.cron === 'string' ? [s.cron] : (s.cron as string[]),
    overlap: (s.overlap as SchedulePlan['overlap'] | undefined) ?? 'skip',
    paused: s.paused === true,
    params: isRecord(s.params) ? s.params : {},
  };
  if (typeof s.timezone === 'string') plan.timezone = s.timezone;
  const catchup = parseDuration(s.catchupWindow);
  if (catchup !== undefined) plan.catchupWindowMs = catchup;
  const jitter = parseDuration(s.jitter);
  if (jitter !== undefined) plan.jitterMs = jitter;
  if (typeof s.note === 'string') plan.note = s.note;
  return plan;
}
