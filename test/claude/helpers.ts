/** A StepContext for calling Claude step implementations directly, and a server + steps fixture. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { StepContext, StepImpl } from '../../engine/kind.js';
import type { Usage } from '../../engine/usage.js';
import { createClaudeSteps, type ClaudeDependencies } from '../../kinds/claude/index.js';
import { LocalStore } from '../../store/local.js';
import type { ArtifactStore } from '../../store/types.js';
import { startClaudeSimulator, type ClaudeSimulator, type ClaudeSimulatorOptions } from '../../claude-simulator/index.js';
import { recordingContext } from '../helpers/step-context.js';
import { JUDGE_TOOL } from '../../kinds/claude/judge.js';

export interface TestContext extends StepContext {
  usage: Usage;
  heartbeats: unknown[];
  logs: string[];
  abort(reason?: unknown): void;
}

export function makeContext(store: ArtifactStore, over: Partial<StepContext> & { lastHeartbeatDetails?: unknown } = {}): TestContext {
  const { lastHeartbeatDetails, ...rest } = over;
  const ctx = recordingContext(store, { runId: 'run-1', stepId: 'teacher', lastHeartbeat: lastHeartbeatDetails });
  return { ...ctx, abort: (reason?: unknown) => ctx.controller.abort(reason), ...rest } as TestContext;
}

export interface Fixture {
  server: ClaudeSimulator;
  store: ArtifactStore;
  dir: string;
  steps: Record<string, StepImpl>;
  /** Builds steps with other settings against the same server. */
  stepsWith(over: Partial<ClaudeDependencies>): Record<string, StepImpl>;
  close(): Promise<void>;
}

export const TEST_KEY = 'sk-ant-api03-TESTKEY-0123456789abcdef';

/** The local server's answer to a judge request: this ranking of the candidate ids, on every criterion. */
export function rankingAnswer(ranking: string[], usage?: { input_tokens: number; output_tokens: number }) {
  return { toolUse: { name: JUDGE_TOOL, input: { analysis: 'compared', ranking, criteria: { correctness: ranking, efficiency: ranking, readability: ranking, minimal_change: ranking } } }, ...(usage ? { usage } : {}) };
}

export async function startFixture(serverOpts: ClaudeSimulatorOptions = {}, deps: Partial<ClaudeDependencies> = {}): Promise<Fixture> {
  const server = await startClaudeSimulator({ apiKey: TEST_KEY, ...serverOpts });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-claude-'));
  const store = new LocalStore(dir);
  const stepsWith = (over: Partial<ClaudeDependencies>): Record<string, StepImpl> =>
    createClaudeSteps({ store, claude: { apiKey: TEST_KEY, baseURL: server.url, timeoutMs: 10_000, concurrency: 8 }, ...deps, ...over });
  return {
    server,
    store,
    dir,
    steps: stepsWith({}),
    stepsWith,
    close: async () => {
      await server.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
