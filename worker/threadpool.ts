/**
 * Steps wait on the disk (store objects, memo files, item records) through libuv's thread pool,
 * 4 threads by default: with dozens of forEach items in flight, a memo read queues behind other
 * items' writes. The pool starts on first use, so entry points import this module first.
 * UV_THREADPOOL_SIZE from the environment wins.
 */
export const DEFAULT_THREADPOOL_SIZE = 16;

process.env.UV_THREADPOOL_SIZE ??= String(DEFAULT_THREADPOOL_SIZE);
