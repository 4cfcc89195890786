// A browser search worker of the pool (pool.mjs starts it as a module Worker): the browser entry's
// loadIndex over one shard, driven by worker-serve.mjs.
import { loadIndex } from './index.mjs';
import { serveSearch } from './worker-serve.mjs';

serveSearch(loadIndex, (cb) => { self.onmessage = (e) => cb(e.data); }, (msg, transfer) => self.postMessage(msg, transfer), () => self.close());
