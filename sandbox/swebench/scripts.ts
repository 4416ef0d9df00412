/**
 * The official setup and eval scripts (swebench 4.1.0's make_repo_script_list_py and
 * make_eval_script_list_py) realised without conda: the Miniconda activation becomes the image's
 * venv at /opt/testbed, the `git clone` of github.com becomes the copy already in the image.
 * Every other line runs as the harness wrote it.
 */
export const VENV = '/opt/testbed';

function realise(lines: string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (line === 'source /opt/miniconda3/bin/activate') out.push(`source ${VENV}/bin/activate`);
    else if (/^conda activate \S+$/.test(line)) continue;
    else if (line.startsWith('echo "Current environment: $CONDA_DEFAULT_ENV"')) continue;
    else if (/^git clone -o origin .* \/testbed$/.test(line)) continue;
    else out.push(line);
  }
  return out;
}

/** The instance image's setup script (the harness's setup_repo.sh, realised). */
export function repoSetupScript(repoScriptList: string[]): string {
  return ['#!/bin/bash', 'set -euxo pipefail', ...realise(repoScriptList)].join('\n') + '\n';
}

/** The eval script as swebench 4.1.0 writes it, realised; 5.0.2's make_test_spec adds the exit-code record. */
export function evalScript(evalScriptList: string[]): string {
  return ['#!/bin/bash', 'set -uxo pipefail', ...realise(evalScriptList)].join('\n') + '\n';
}
