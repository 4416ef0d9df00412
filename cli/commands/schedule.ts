/**
 * `repairity schedule apply|list|trigger|pause|unpause|delete`: a pipeline's `schedule:` block as a
 * Temporal Schedule (see docs/scheduling.md). Each scheduled run starts the `runPipeline` workflow
 * with `{ pipeline: <file relative to the pipelines folder>, params }`, so the workers compile the
 * file as it is when the run starts (an edited pipeline takes effect at the next run).
 */
import path from 'node:path';
import { type Client, ScheduleNotFoundError, type ScheduleOptions, ScheduleOverlapPolicy, type ScheduleUpdateOptions } from '@temporalio/client';
import type { Command } from 'commander';
import { bindParams } from '../../compiler/index.js';
import type { Plan, SchedulePlan } from '../../engine/plan.js';
import { PermanentError } from '../../core/errors.js';
import { workflowQueue } from '../../workflows/queues.js';
import { compileOrThrow } from '../compile-file.js';
import { connectClient, withConnectionFlags, type ConnectionFlags } from '../connection.js';
import { loadDefaults } from '../../worker/settings.js';

const OVERLAP: Record<SchedulePlan['overlap'], ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  buffer_one: ScheduleOverlapPolicy.BUFFER_ONE,
  buffer_all: ScheduleOverlapPolicy.BUFFER_ALL,
  cancel_other: ScheduleOverlapPolicy.CANCEL_OTHER,
  terminate_other: ScheduleOverlapPolicy.TERMINATE_OTHER,
  allow_all: ScheduleOverlapPolicy.ALLOW_ALL,
};

export interface ApplyOptions {
  /** The pipeline file (any path); it must be inside `pipelinesDir`. */
  file: string;
  /** Folder the workers load pipelines from (REPAIRITY_PIPELINES; default ./pipelines). */
  pipelinesDir: string;
  queuePrefix?: string;
  /** Schedule id; default `repairity-<pipeline name>`. */
  scheduleId?: string;
}

export interface AppliedSchedule {
  scheduleId: string;
  created: boolean;
  pipeline: string;
  paused: boolean;
}

/** `repairity-<pipeline name>` (a name that already starts with `repairity-` is kept as is). */
export function scheduleIdOf(plan: Plan): string {
  return plan.name.startsWith('repairity-') ? plan.name : `repairity-${plan.name}`;
}

/** The pipeline's path as the workers look it up: relative to their pipelines folder, POSIX style. */
export function pipelineRef(file: string, pipelinesDir: string): string {
  const rel = path.relative(path.resolve(pipelinesDir), path.resolve(file));
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new PermanentError(`${file} is not inside the pipelines folder ${pipelinesDir}: scheduled runs load the pipeline by its path there (set REPAIRITY_PIPELINES or --pipelines)`);
  }
  return rel.split(path.sep).join('/');
}

export function scheduleOptions(plan: Plan, opts: ApplyOptions): ScheduleOptions {
  const s = plan.schedule;
  if (!s) throw new PermanentError(`${opts.file} has no schedule: block; add one (docs/pipeline-language.md#schedule) to schedule it`);
  const pipeline = pipelineRef(opts.file, opts.pipelinesDir);
  const params = bindParams(plan, s.params);
  const id = opts.scheduleId ?? scheduleIdOf(plan);
  return {
    scheduleId: id,
    spec: {
      cronExpressions: s.cron,
      ...(s.timezone ? { timezone: s.timezone } : {}),
      ...(s.jitterMs !== undefined ? { jitter: s.jitterMs } : {}),
    },
    action: {
      type: 'startWorkflow',
      workflowType: 'runPipeline',
      workflowId: id,
      taskQueue: workflowQueue(opts.queuePrefix),
      args: [{ pipeline, params }],
      memo: { pipeline: plan.name, source: pipeline, params },
    },
    policies: { overlap: OVERLAP[s.overlap], ...(s.catchupWindowMs !== undefined ? { catchupWindow: s.catchupWindowMs } : {}) },
    state: { paused: s.paused, ...(s.note ? { note: s.note } : {}) },
    // the server keeps cron specs as calendars: the memo keeps the text, for `schedule list`
    memo: { pipeline: plan.name, source: pipeline, cron: s.cron.join(', '), timezone: s.timezone ?? 'UTC' },
  };
}

/** Creates the schedule, or updates it in place (spec, action, policies, paused state) when it exists. */
export async function applySchedule(client: Client, plan: Plan, opts: ApplyOptions): Promise<AppliedSchedule> {
  const options = scheduleOptions(plan, opts);
  const base = { scheduleId: options.scheduleId, pipeline: (options.action.args as [{ pipeline: string }])[0].pipeline, paused: plan.schedule!.paused };
  const handle = client.schedule.getHandle(options.scheduleId);
  try {
    await handle.describe();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    await client.schedule.create(options);
    return { ...base, created: true };
  }
  await handle.update((prev): ScheduleUpdateOptions => ({ ...prev, spec: options.spec, action: options.action, policies: { ...prev.policies, ...options.policies }, state: { ...prev.state, paused: plan.schedule!.paused, ...(options.state?.note ? { note: options.state.note } : {}) } }));
  return { ...base, created: false };
}

export interface ScheduleRow {
  scheduleId: string;
  pipeline: string;
  cron: string;
  paused: boolean;
  next?: string;
  recent: string[];
}

export async function listSchedules(client: Client): Promise<ScheduleRow[]> {
  const rows: ScheduleRow[] = [];
  for await (const s of client.schedule.list()) {
    if (!s.scheduleId.startsWith('repairity-')) continue;
    const action = s.action as { workflowType?: string } | undefined;
    if (action?.workflowType !== undefined && action.workflowType !== 'runPipeline') continue;
    rows.push({
      scheduleId: s.scheduleId,
      pipeline: String((s.memo as Record<string, unknown> | undefined)?.source ?? ''),
      cron: String((s.memo as Record<string, unknown> | undefined)?.cron ?? '') || ((s.spec as { cronExpressions?: string[] }).cronExpressions?.join(', ') ?? describeCalendars(s.spec)),
      paused: s.state.paused,
      ...(s.info.nextActionTimes[0] ? { next: s.info.nextActionTimes[0].toISOString() } : {}),
      recent: s.info.recentActions.map((a) => a.action.workflow.workflowId),
    });
  }
  return rows;
}

function describeCalendars(spec: unknown): string {
  const cal = (spec as { calendars?: Array<Record<string, unknown>> }).calendars ?? [];
  return cal.length > 0 ? `${cal.length} calendar spec(s)` : '';
}

interface ScheduleFlags extends ConnectionFlags {
  pipelines: string;
  id?: string;
}

export function registerSchedule(program: Command): void {
  const schedule = program.command('schedule').description('Temporal Schedules from pipelines\' schedule: blocks');
  const d = loadDefaults();
  withConnectionFlags(
    schedule
      .command('apply')
      .description('create or update the Temporal Schedule of a pipeline file')
      .argument('<file>', 'pipeline YAML file with a schedule: block, inside the pipelines folder')
      .option('--pipelines <dir>', 'pipelines folder the workers load from (env REPAIRITY_PIPELINES)', d.pipelinesDir)
      .option('--id <scheduleId>', 'schedule id (default repairity-<pipeline name>)'),
  ).action(async (file: string, flags: ScheduleFlags) => {
    const { plan, warnings } = await compileOrThrow(file);
    for (const w of warnings) process.stderr.write(`${w}\n`);
    const applyOptions: ApplyOptions = { file, pipelinesDir: flags.pipelines, queuePrefix: flags.queuePrefix, ...(flags.id ? { scheduleId: flags.id } : {}) };
    // Checked before connecting: the schedule: block, the file's place in the pipelines folder, the params.
    scheduleOptions(plan, applyOptions);
    const { client, close } = await connectClient(flags);
    try {
      const r = await applySchedule(client, plan, applyOptions);
      const s = plan.schedule!;
      process.stdout.write(`${r.created ? 'created' : 'updated'} schedule ${r.scheduleId}: ${s.cron.join(', ')} ${s.timezone ?? 'UTC'}, overlap ${s.overlap}${s.paused ? ', paused' : ''}; runs pipeline ${r.pipeline}\n`);
    } finally {
      await close();
    }
  });
  withConnectionFlags(schedule.command('list').description('list the pipeline schedules')).action(async (flags: ConnectionFlags) => {
    const { client, close } = await connectClient(flags);
    try {
      const rows = await listSchedules(client);
      if (rows.length === 0) process.stdout.write('no pipeline schedules\n');
      for (const r of rows) {
        process.stdout.write(`${r.scheduleId}\t${r.pipeline}\t${r.cron}\t${r.paused ? 'paused' : 'active'}\tnext ${r.next ?? '-'}\tlast ${r.recent.at(-1) ?? '-'}\n`);
      }
    } finally {
      await close();
    }
  });
  for (const [name, description] of [
    ['trigger', 'start a run of the schedule now'],
    ['pause', 'pause the schedule'],
    ['unpause', 'resume the schedule'],
    ['delete', 'delete the schedule'],
  ] as const) {
    withConnectionFlags(schedule.command(name).description(description).argument('<scheduleId>')).action(async (id: string, flags: ConnectionFlags) => {
      const { client, close } = await connectClient(flags);
      try {
        const handle = client.schedule.getHandle(id);
        if (name === 'trigger') await handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
        else if (name === 'pause') await handle.pause('paused from the repairity CLI');
        else if (name === 'unpause') await handle.unpause('resumed from the repairity CLI');
        else await handle.delete();
        process.stdout.write(`${name === 'delete' ? 'deleted' : `${name}${name.endsWith('e') ? 'd' : 'ed'}`} ${id}\n`);
      } catch (err) {
        if (err instanceof ScheduleNotFoundError) throw new PermanentError(`no schedule ${id}; see "repairity schedule list"`);
        throw err;
      } finally {
        await close();
      }
    });
  }
}
