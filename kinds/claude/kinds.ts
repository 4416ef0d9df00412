import { defineKinds } from '../define.js';
import { claudeSpecs } from './specs.js';

export const claudeKinds = defineKinds('kinds/claude/kinds.ts', claudeSpecs, async (deps) => (await import('./index.js')).createClaudeSteps({ store: deps.store, claude: deps.settings.claude }));
