import { defineKinds } from '../define.js';
import { reportSpecs } from './specs.js';

export const reportKinds = defineKinds('kinds/report/kinds.ts', reportSpecs, async () => (await import('./index.js')).createReportSteps());
