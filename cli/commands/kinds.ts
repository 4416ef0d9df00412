import type { Command } from 'commander';
import { didYouMean } from '../../compiler/suggest.js';
import { PermanentError } from '../../core/errors.js';
import { defaultCatalog } from '../../kinds/catalog.js';
import { formatBrief, formatFull, summarise } from '../kind-listing.js';

export function registerKinds(program: Command): void {
  program
    .command('kinds')
    .description('list the step kinds `uses:` may name, with their queue and inputs; with a name, one kind in full (or a family, e.g. claude)')
    .argument('[name]', 'a kind (family.name) or a family')
    .option('--json', 'print the kinds as JSON (their summaries and input and output JSON Schemas)')
    .action((name: string | undefined, opts: { json?: boolean }) => {
      const all = [...defaultCatalog.values()].sort((a, b) => a.name.localeCompare(b.name));
      const one = name === undefined ? undefined : defaultCatalog.get(name);
      const specs = one ? [one] : name === undefined ? all : all.filter((s) => s.name.startsWith(`${name}.`));
      if (specs.length === 0) {
        throw new PermanentError(`unknown step kind or family "${name}"${didYouMean(name!, defaultCatalog)}; \`repairity kinds\` lists them all`);
      }
      const summaries = specs.map(summarise);
      if (opts.json) process.stdout.write(`${JSON.stringify(one ? summaries[0] : summaries, null, 2)}\n`);
      else process.stdout.write(`${(one ? [formatFull(summaries[0]!)] : summaries.map(formatBrief)).join('\n\n')}\n`);
    });
}
