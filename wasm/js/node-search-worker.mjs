// A Node search worker of the pool (a worker_threads Worker started by node-files.mjs's
// createWorker): the Node entry's loadIndex over one shard, driven by worker-serve.mjs.
import { parentPort } from 'node:worker_threads';
import { loadIndex } from './node.mjs';
import { serveSearch } from './worker-serve.mjs';

serveSearch(loadIndex, (cb) => parentPort.on('message', cb), (msg, transfer) => parentPort.postMessage(msg, transfer), () => parentPort.close());
