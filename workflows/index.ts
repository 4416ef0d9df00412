export { runPipeline, progressQuery } from './pipeline.js';
export { forEachShard, shardProgressQuery } from './foreach-shard.js';
