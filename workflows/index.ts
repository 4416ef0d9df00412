export { runPipeline, progressQuery } from './pipeline.js';
