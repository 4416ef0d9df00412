/**
 * `repairity claude-simulator`: the Claude simulator (claude-simulator/) standalone, an
 * Anthropic-compatible server answering from scripted responses:
 *
 *   repairity claude-simulator --port 8787 --responses teacher.jsonl
 *   repairity claude-simulator --mbpp data/mbpp/mbpp.jsonl          # the demo's simulated teacher
 *   repairity claude-simulator --mbpp data/mbpp/mbpp.jsonl --write-responses teacher.jsonl
 *
 * Point a worker at it with ANTHROPIC_BASE_URL. It prints the base URL on its first line, and
 * request counters on SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { loadResponder, responderFrom } from '../../claude-simulator/responses.js';
import { readMbppRows, teacherEntries, writeTeacherResponses } from '../../claude-simulator/mbpp-teacher.js';
import { startClaudeSimulator } from '../../claude-simulator/server.js';
import type { ClaudeSimulatorOptions } from '../../claude-simulator/types.js';
import { PermanentError } from '../../core/errors.js';

interface SimulatorFlags {
  port: string;
  host: string;
  responses?: string;
  mbpp?: string;
  writeResponses?: string;
  wrong: string;
  seed: string;
  apiKey?: string;
  latencyMs: string;
  failureRate: string;
  batchMs: string;
  models?: string;
}

function nonNegative(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new PermanentError(`--${flag} must be a non-negative number, got ${JSON.stringify(value)}`);
  return n;
}

export function registerClaudeSimulator(program: Command): void {
  program
    .command('claude-simulator')
    .description('serve the Anthropic Messages API locally from scripted answers (the simulated teacher of the demo and the tests)')
    .option('--port <n>', 'port (0: a free one)', '0')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--responses <file>', 'scripted answers (JSON or JSONL; see docs/claude.md)')
    .option('--mbpp <file>', 'answer as the simulated teacher of these MBPP rows (JSONL with text and code)')
    .option('--write-responses <file>', 'with --mbpp: write the teacher\'s answers to this file and exit')
    .option('--wrong <fraction>', 'with --mbpp: share of deliberately wrong fixes', '0.2')
    .option('--seed <n>', 'seed of the wrong fixes and of --failure-rate', '1')
    .option('--api-key <key>', 'the one key accepted (default: any)')
    .option('--latency-ms <ms>', 'delay of each answer', '0')
    .option('--failure-rate <f>', 'share of requests answered with a retryable error', '0')
    .option('--batch-ms <ms>', 'time a message batch takes to end', '200')
    .option('--models <a,b>', 'the only model names accepted')
    .action(async (flags: SimulatorFlags) => {
      if (flags.responses && flags.mbpp) throw new PermanentError('--responses and --mbpp are two sources of answers: give one');
      const teacher = { wrongFraction: nonNegative('wrong', flags.wrong), seed: nonNegative('seed', flags.seed) };
      if (flags.writeResponses) {
        if (!flags.mbpp) throw new PermanentError('--write-responses needs --mbpp (the rows to write answers for)');
        const n = await writeTeacherResponses(flags.mbpp, flags.writeResponses, teacher);
        process.stdout.write(`${flags.writeResponses}: ${n} scripted answers\n`);
        return;
      }
      const opts: ClaudeSimulatorOptions = {
        port: nonNegative('port', flags.port),
        host: flags.host,
        latencyMs: nonNegative('latency-ms', flags.latencyMs),
        failureRate: nonNegative('failure-rate', flags.failureRate),
        seed: teacher.seed,
        batchProcessingMs: nonNegative('batch-ms', flags.batchMs),
      };
      if (flags.responses) opts.responder = await loadResponder(flags.responses);
      if (flags.mbpp) opts.responder = responderFrom({ responses: teacherEntries(await readMbppRows(flags.mbpp), teacher) });
      if (flags.apiKey) opts.apiKey = flags.apiKey;
      if (flags.models) opts.models = flags.models.split(',').map((m) => m.trim()).filter(Boolean);
      const server = await startClaudeSimulator(opts);
      process.stdout.write(`${server.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          const c = server.counters;
          process.stderr.write(`claude-simulator: ${c.requests} requests, ${c.successes} succeeded, ${c.failures} failed, ${c.batchesCreated} batches\n`);
          void server.close().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
