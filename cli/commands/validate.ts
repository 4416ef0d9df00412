import type { Command } from 'commander';
import { PipelineCompileError } from '../../compiler/diagnostics.js';
import { compileOrThrow } from '../compile-file.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check pipeline files: syntax, schema, references, wiring types, cycles')
    .argument('<files...>', 'pipeline YAML files')
    .option('--json', 'print the compiled plan as JSON')
    .action(async (files: string[], opts: { json?: boolean }) => {
      for (const file of files) {
        try {
          const { plan, warnings } = await compileOrThrow(file);
          for (const w of warnings) process.stderr.write(`${w}\n`);
          if (opts.json) process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
          else process.stdout.write(`${file}: ok (${plan.steps.length} steps, plan ${plan.hash.slice(0, 12)})\n`);
        } catch (err) {
          // Every file is reported; the command fails when any is invalid.
          if (!(err instanceof PipelineCompileError)) throw err;
          process.stderr.write(`repairity: ${err.message}\n`);
          process.exitCode = 1;
        }
      }
    });
}
