/**
 * A Mermaid flowchart of a plan: one node per step (its kind, or the child pipeline's name),
 * an edge per dependency; forEach steps are drawn as stacks and marked "forEach", conditional
 * steps as hexagons marked "if: …".
 */
import type { Plan, PlanStep } from '../engine/plan.js';

function escapeLabel(text: string): string {
  return text.replace(/&/g, '#amp;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

function nodeId(id: string): string {
  return `s_${id.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

function label(step: PlanStep): string {
  const lines = [step.id, step.type === 'activity' ? step.uses : `pipeline ${step.plan.name}`];
  if (step.forEach) lines.push(`forEach (×${step.forEach.concurrency} at once)`);
  if (step.if !== undefined) lines.push(`if: ${step.if.length > 40 ? `${step.if.slice(0, 40)}…` : step.if}`);
  return lines.map(escapeLabel).join('<br/>');
}

function shape(step: PlanStep): [string, string] {
  if (step.if !== undefined) return ['{{', '}}'];
  if (step.type === 'pipeline') return ['[[', ']]'];
  if (step.forEach) return ['[/', '/]'];
  return ['[', ']'];
}

export function toMermaid(plan: Plan): string {
  const lines = ['flowchart TD'];
  for (const step of plan.steps) {
    const [open, close] = shape(step);
    const classes = [step.forEach ? 'forEach' : '', step.if !== undefined ? 'conditional' : ''].filter(Boolean);
    lines.push(`  ${nodeId(step.id)}${open}"${label(step)}"${close}${classes.length ? `:::${classes[0]}` : ''}`);
  }
  for (const step of plan.steps) {
    for (const need of step.needs) lines.push(`  ${nodeId(need)} --> ${nodeId(step.id)}`);
  }
  lines.push('  classDef forEach fill:#e8f0fe,stroke:#4a6fd1');
  lines.push('  classDef conditional fill:#fff4e0,stroke:#d19a4a,stroke-dasharray: 4 2');
  return `${lines.join('\n')}\n`;
}
