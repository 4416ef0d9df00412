import type { Command } from 'commander';
import { toMermaid } from '../../compiler/index.js';
import { compileOrThrow } from '../compile-file.js';

export function registerGraph(program: Command): void {
  program
    .command('graph')
    .description('print the pipeline DAG as Mermaid flowchart text')
    .argument('<file>', 'pipeline YAML file')
    .action(async (file: string) => {
      const { plan } = await compileOrThrow(file);
      process.stdout.write(`${toMermaid(plan)}\n`);
    });
}
