/** The report step kind (reads the store, writes the report: no clients). */
import type { StepImpl } from '../../engine/kind.js';
import { createBuildStep } from './build.js';

export function createReportSteps() {
  return { 'report.build': createBuildStep() };
}

export { reportSpecs } from './specs.js';
export { reportFolder } from './build.js';
