// Hand-written types of the deepquan package (Emscripten 3.1.6 cannot emit them).

/** Where a .dqm / .dqdb file comes from: a URL (fetched), a file path or file: URL (Node), or its bytes. */
export type Source = string | URL | ArrayBuffer | ArrayBufferView;

export interface Progress {
  /** 'model' and 'database' while reading bytes, 'init' while parsing (0 then 1 of 1). */
  phase: 'model' | 'database' | 'init';
  loaded: number;
  /** Total bytes, or undefined when the server does not say (e.g. a compressed response). */
  total: number | undefined;
}

export interface LoadOptions {
  /** The model file (.dqm): encoder weights and PQ codebooks. */
  model: Source;
  /** The code database (.dqdb); omitted or null: an empty index to fill with add(). */
  database?: Source | null;
  onProgress?: (p: Progress) => void;
  /** 'auto' (default): SIMD128 when the engine validates it, else the baseline module. */
  simd?: 'auto' | boolean;
  /** Where each build's .wasm comes from, when not beside the package's modules (e.g. after esbuild). */
  wasm?: WasmFiles;
}

/**
 * Per build, a URL (a file path under Node) or the bytes of its .wasm; a build not named is found
 * as `new URL('./deepquan[-simd].wasm', import.meta.url)`.
 */
export interface WasmFiles {
  simd?: string | URL | ArrayBuffer | Uint8Array;
  baseline?: string | URL | ArrayBuffer | Uint8Array;
}

/**
 * An ImageData-like straight-RGBA image (a canvas's getImageData, a decoded PNG / JPEG): turned into
 * the model's input bytes by the core's preprocess_rgba, as the trainer does for image files:
 * composited over IndexInfo.background, BT.601 integer gray (1-channel models) or RGB (3-channel),
 * exact integer area resize to the model's size. Models with other channel counts refuse it.
 */
export interface ImageDataLike {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}

/**
 * One image: a Float32Array of inputDim values in [0, 1] (already scaled), a Uint8Array /
 * Uint8ClampedArray of inputDim bytes 0..255, or an ImageData-like RGBA image. For a model of
 * feature vectors (info.inputKind === 'features') only a Float32Array of inputDim finite values, in
 * any range (the model standardizes them); bytes and images are refused.
 */
export type Pixels = Float32Array | Uint8Array | Uint8ClampedArray | ImageDataLike;

export interface SearchOptions {
  /** Number of results, 1..size (default 10). */
  k?: number;
  /** 'sdc' (default): code-to-code distance (the paper's Eq. 5); 'adc': query vector to codes. */
  mode?: 'sdc' | 'adc';
  /**
   * K = 16 only: candidates the fast-scan re-ranks exactly (default 0 = max(8 k, 64); clipped to
   * size, so pool >= size returns the exact scan's top-k). Distances are exact whatever the pool.
   * Refused with exact or on a K = 256 index.
   */
  pool?: number;
  /** K = 16: scan every code with the float table (info.exactScanKernel) instead of the fast-scan. */
  exact?: boolean;
  /**
   * Only items that pass are returned; applied inside the scan, so min(k, passing) hits come back
   * (a row shorter than k means every passing item is in it). See SearchFilter.
   */
  filter?: SearchFilter | null;
}

/**
 * A predicate over positions (must return true or false; SearchPool: GLOBAL positions), or an object
 * with one or more of these keys (an item must pass each one given).
 */
export type SearchFilter =
  | ((position: number) => boolean)
  | {
      /** Items whose label is one of these (-1 = unknown label); the index must have labels. */
      labels?: ArrayLike<number>;
      /** Items whose id is one of these (ids no item has select nothing). */
      ids?: ArrayLike<number>;
      /** Every item except those whose id is one of these. */
      excludeIds?: ArrayLike<number>;
      /** ceil(size / 8) bytes: bit (p & 7) of byte (p >> 3) set = position p passes. */
      bitmap?: Uint8Array;
    };

export interface Hit {
  /** The item's external id. */
  id: number;
  /** Squared L2 distance in the latent space (float32 value). */
  distance: number;
  /** The item's label, or null when the database has none or it is unknown. */
  label: number | null;
  /**
   * The item's position in the database at search time (in a search pool: over all shards), for
   * thumbnail(position) / code(position); which item a hit is when an id occurs twice. Stale after
   * a removal.
   */
  position: number;
}

export interface IndexInfo {
  inputDim: number;
  height: number;
  width: number;
  channels: number;
  /** x = byte × scale (1/255: pixels in [0, 1]). */
  scale: number;
  /**
   * True for a model trained on feature vectors (npy float / fvecs): it stores a per-dimension
   * standardization (x - mean) × scale that the core applies before the first layer, and takes any
   * finite Float32Array values.
   */
  standardized: boolean;
  /** 'features' when standardized (Float32Array inputs only), else 'pixels'. */
  inputKind: 'pixels' | 'features';
  latentDim: number;
  /** Subspaces = bytes per code. */
  M: number;
  /** Codewords per subspace: 256 or 16. */
  K: number;
  /** Code length in bits: M × log2(K). */
  bits: number;
  /** Output width of each encoder layer. */
  layers: number[];
  /** Items in the database. */
  size: number;
  /** The name of each label value (an image folder's sub-folders), or null. */
  labelNames: string[] | null;
  /** How model.dqm stores the encoder weights (expanded to f32 at load; int4 needs format 1.1). */
  weightType: 'f32' | 'f16' | 'int8' | 'int4';
  hasLabels: boolean;
  hasThumbnails: boolean;
  /** [height, width, channels] of the stored thumbnails, or null. */
  thumbShape: [number, number, number] | null;
  /**
   * The scan kernel searches run by default: the 4-bit fast-scan for K = 16
   * ('dq_scan_lut4_blk32__wasmsimd' / '..__scalar'), the float table for K = 256
   * ('dq_scan_lut8_u8__wasmsimd' / '..__scalar').
   */
  scanKernel: string;
  /** The kernel of exact scans ({ exact: true }, and every K = 256 search): a lut8 one. */
  exactScanKernel: string;
  /**
   * The kernel searchBatch runs with the default options: for K = 256 the batched scan of 16 queries
   * per pass ('dq_scan_lut8_q16__wasmsimd'; the baseline module goes query by query with
   * 'dq_scan_lut8_u8__scalar'), for K = 16 the fast-scan, query by query (= scanKernel).
   */
  batchScanKernel: string;
  /** True for a model trained on image files (PNG / JPEG folders; the model's IMGP section). */
  fromImageFiles: boolean;
  /**
   * '#rrggbb': the colour ImageData-like inputs are composited over. The model's recorded
   * background when fromImageFiles; '#000000' for any other model (pixel datasets such as MNIST:
   * white ink on black).
   */
  background: string;
  backend: 'wasm-simd128' | 'wasm-baseline';
  /** The model's META provenance JSON (dataset, hyper-parameters, seed, ...), or null if it is not a JSON object. */
  meta: Record<string, unknown> | null;
}

export type ItemRef = number | { id: number };

export declare class DeepQuanIndex {
  private constructor();
  readonly backend: 'wasm-simd128' | 'wasm-baseline';
  readonly info: IndexInfo;
  readonly size: number;
  readonly disposed: boolean;
  /** The k nearest items, sorted by (distance, id). Throws if k > size. */
  search(pixels: Pixels, options?: SearchOptions): Hit[];
  /** search() for many images: an array, or a flat Float32Array / Uint8Array of n × inputDim. */
  searchBatch(batch: Pixels[] | Float32Array | Uint8Array | Uint8ClampedArray, options?: SearchOptions): Hit[][];
  /** SDC search from a code of M bytes (e.g. index.code(position)); mode must be 'sdc'. */
  searchCode(code: Uint8Array, options?: SearchOptions): Hit[];
  /** search() from a latent vector (embed()'s latentDim floats); search() is embed() then this, bit for bit. */
  searchLatent(z: Float32Array, options?: SearchOptions): Hit[];
  /** searchLatent() for n vectors: a Float32Array of n × latentDim floats. */
  searchLatentBatch(z: Float32Array, options?: SearchOptions): Hit[][];
  /** The image's code: M bytes. */
  encode(pixels: Pixels): Uint8Array;
  /** The encoder's output: latentDim floats. */
  embed(pixels: Pixels): Float32Array;
  /** embed() for many images: n × latentDim floats. */
  embedBatch(batch: Pixels[] | Float32Array | Uint8Array | Uint8ClampedArray): Float32Array;
  /** The model's input bytes (height × width × channels) for an ImageData-like image. */
  preprocess(image: ImageDataLike): Uint8Array;
  /** Encodes and appends an image; id in [0, 2^32 - 1], label an integer (-1 = unknown) or omitted. */
  add(pixels: Pixels, id: number, label?: number | null): void;
  /** Encodes and appends many images at once (all or nothing); labels one per image or omitted. */
  addBatch(batch: Pixels[] | Float32Array | Uint8Array | Uint8ClampedArray, ids: Uint32Array | number[], labels?: Int32Array | number[] | null): void;
  /** Appends every item of another .dqdb of this model (URL, file path under Node, or bytes); resolves to the items added. */
  addDatabase(source: Source, options?: { onProgress?: (p: Progress) => void }): Promise<number>;
  /**
   * Removes every item carrying one of these ids; returns how many went. All or nothing: an unknown
   * or repeated id throws and removes nothing. Later items move down (order kept): positions taken
   * before are stale, ids stay.
   */
  remove(ids: number | ArrayLike<number>): number;
  /** remove() by position (positions before the removal); all or nothing. */
  removeAt(positions: number | ArrayLike<number>): void;
  /** Thumbnail bytes (thumbShape) of a position or { id }. */
  thumbnail(at: ItemRef): Uint8Array;
  /** Stored code (M bytes) of a position or { id }. */
  code(at: ItemRef): Uint8Array;
  /** Position of an id (first occurrence), or -1. */
  positionOf(id: number): number;
  /** The database as .dqdb bytes: every item now in the index (added ones included, removed ones not), in index order. */
  save(): Uint8Array;
  /** Labels in database order (-1 = unknown), or null. */
  labels(): Int32Array | null;
  /** Ids in database order. */
  ids(): Uint32Array;
  /**
   * Memory of the WebAssembly instance (shared by all indexes of the same backend): linear memory
   * size, bytes allocated and not freed, JS values held by the native side.
   */
  memoryUsage(): { heapBytes: number; usedBytes: number; liveHandles: number };
  /** Frees the native memory; later calls throw. Idempotent. */
  dispose(): void;
}

export declare function loadIndex(options: LoadOptions): Promise<DeepQuanIndex>;

export interface ReadDatabaseOptions {
  /** Reports bytes read, as loadIndex does for its 'database' phase. */
  onProgress?: (p: Progress) => void;
  /** Which WebAssembly module parses the file; 'auto' (default) shares the one loadIndex picks. */
  simd?: 'auto' | boolean;
  /** As LoadOptions.wasm. */
  wasm?: WasmFiles;
}

/** A .dqdb file's contents, read without a model; every array is a fresh copy. */
export interface DatabaseContents {
  /** Items in the database. */
  size: number;
  /** Bytes per code. */
  M: number;
  /** Codewords per subspace of the model that encoded it. */
  K: number;
  ids: Uint32Array;
  /** Labels in database order (-1 = unknown), or null. */
  labels: Int32Array | null;
  /** [height, width, channels] of the thumbnails, or null when there are none. */
  thumbShape: [number, number, number] | null;
  /** size × height × width × channels bytes, or null. */
  thumbnails: Uint8Array | null;
  /** One metadata string per item (e.g. the source file), or null. */
  strings: string[] | null;
}

/** Reads and validates a database file (the core's reader, as loadIndex) without a model. */
export declare function readDatabase(source: Source, options?: ReadDatabaseOptions): Promise<DatabaseContents>;

export interface DownloadFile {
  /** Names the file in progress and errors ("gallery.dqdb"). */
  name: string;
  /** Absolute, or relative to the page. */
  url: string | URL;
  /** A 404 gives null instead of an error. */
  optional?: boolean;
}

export interface DownloadProgress {
  /** 'download' while bytes arrive, 'downloaded' once, at the end. */
  phase: 'download' | 'downloaded';
  loaded: number;
  /** Sum of the sizes, or 0 while one is unknown (no Content-Length, or a compressed response). */
  total: number;
  files: { name: string; loaded: number; total: number; missing: boolean }[];
}

/**
 * Fetches files in parallel with one summed progress; resolves to their bytes in order (null for an
 * optional file that is missing). Errors name the file and carry `status`: the HTTP status, 0 when
 * the server did not answer at all.
 */
export declare function download(
  files: DownloadFile[],
  options?: { onProgress?: (p: DownloadProgress) => void; init?: RequestInit },
): Promise<(Uint8Array | null)[]>;
/** Whether this engine validates WebAssembly SIMD128 (the probe wasm-feature-detect uses). */
export interface PoolOptions {
  model: Source;
  /** The database to shard over the workers (required). */
  database: Source;
  /** Workers, each owning one contiguous shard (default: the cores available), 1..64. */
  workers?: number;
  /** Browsers: where the bundled search-worker.mjs is, when the bundler does not handle `new Worker(new URL(...))` (esbuild). */
  workerUrl?: string | URL;
  onProgress?: (p: Progress) => void;
  simd?: 'auto' | boolean;
  wasm?: WasmFiles;
}

/** A pool of Web Workers (Node: worker_threads) over shards; results equal DeepQuanIndex.search's, ties included. */
export declare class SearchPool {
  private constructor();
  readonly size: number;
  readonly info: IndexInfo & { workers: number; shardSizes: number[] };
  readonly disposed: boolean;
  search(pixels: Pixels, options?: SearchOptions): Promise<Hit[]>;
  searchBatch(batch: Pixels[] | Float32Array | Uint8Array | Uint8ClampedArray, options?: SearchOptions): Promise<Hit[][]>;
  /** Stops the workers; pending searches reject. Idempotent. */
  dispose(): void;
}

export declare function loadSearchPool(options: PoolOptions): Promise<SearchPool>;

export interface CollectionOptions {
  model: Source;
  /** The URL (under Node also a path) of a collection.json written by `deepquan export-collection`. */
  collection: string | URL;
  onProgress?: (p: { phase: 'codes'; file: number; files: number; loaded: number; total: number | undefined; items: number; totalItems: number }) => void;
  simd?: 'auto' | boolean;
  wasm?: WasmFiles;
}

/** A hit of a collection search: also its position in the collection (for thumbnail / string). */
export interface CollectionHit extends Hit {
  position: number;
}

/** A gallery streamed in codes files; searchable while it streams; media fetched on demand. */
export declare class Collection {
  private constructor();
  /** Resolves when every codes file is in; rejects with the first failure (earlier items stay searchable). */
  readonly loaded: Promise<void>;
  readonly total: number;
  /** Items that have arrived and are searched. */
  readonly covered: number;
  readonly index: DeepQuanIndex;
  readonly error: Error | null;
  readonly mediaFilesCached: number;
  /** Searches what has arrived; k is clipped to covered. */
  search(pixels: Pixels, options?: SearchOptions): { hits: CollectionHit[]; covered: number; total: number };
  thumbnail(position: number): Promise<Uint8Array>;
  string(position: number): Promise<string>;
  dispose(): void;
}

export declare function openCollection(options: CollectionOptions): Promise<Collection>;
/** The WebAssembly heap limit of one module instance (1 GiB): the bound on what one tab can search. */
export declare const HEAP_LIMIT: number;

/** Where saveToIndexedDB & co. keep databases: IndexedDB database and object store names. */
export interface StoreOptions {
  /** Default 'deepquan'. */
  database?: string;
  /** Default 'databases'. */
  store?: string;
}
/** What the storage helpers take: an index (its save()) or the bytes of a .dqdb file. */
export type SavedDatabase = DeepQuanIndex | ArrayBuffer | Uint8Array;
/** Stores a database under key, replacing the previous one atomically; resolves to the bytes stored. */
export declare function saveToIndexedDB(key: string, data: SavedDatabase, options?: StoreOptions): Promise<number>;
/** The .dqdb bytes stored under key (pass them to loadIndex as the database), or null. */
export declare function loadFromIndexedDB(key: string, options?: StoreOptions): Promise<Uint8Array | null>;
export declare function removeFromIndexedDB(key: string, options?: StoreOptions): Promise<void>;
/** Whether the origin private file system with writable streams is available. */
export declare function opfsSupported(): boolean;
/** Writes a database to an OPFS file, replacing it atomically; resolves to the bytes written. */
export declare function saveToOPFS(name: string, data: SavedDatabase): Promise<number>;
/** The bytes of an OPFS file, or null if there is none. */
export declare function loadFromOPFS(name: string): Promise<Uint8Array | null>;
export declare function removeFromOPFS(name: string): Promise<void>;

export declare function simdSupported(): boolean;
export declare function isImageDataLike(x: unknown): x is ImageDataLike;
export declare const version: string;
export default loadIndex;
