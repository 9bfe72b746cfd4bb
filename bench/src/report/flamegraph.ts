// A V8 CPU profile (.cpuprofile: what `node --cpu-prof` and the inspector's Profiler write) as a flame graph in
// plain SVG, offline and with no dependency: no maintained npm package renders a .cpuprofile to SVG without a
// browser (0x and speedscope write interactive HTML, d3-flame-graph needs a DOM, flamebearer prints text).
// Root at the bottom, callees above their callers, each frame as wide as the samples under it; colour by where
// the code lives (idem, tRPC, a driver, Node, the garbage collector), so that a reader sees at a glance which
// part of a request's CPU is idem's. Every frame has a tooltip with its share and its µs per request.

export interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
    readonly columnNumber?: number;
  };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

/** Where a frame's code lives. */
export type Category = 'idem' | 'idem-trpc' | 'trpc' | 'driver' | 'bench' | 'node' | 'gc' | 'other';

export interface Frame {
  readonly name: string;
  /** Where it is: a repository path, a package path or a node: module, with its line. */
  readonly where: string;
  readonly category: Category;
  /** Samples in this frame itself. */
  self: number;
  /** Samples in this frame and every frame above it. */
  total: number;
  readonly children: Frame[];
}

/** Repository-relative, package-relative or node: location of a script URL. */
export function shortUrl(url: string): string {
  if (url === '') return '';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + '/node_modules/'.length);
  const repo = /\/(packages|apps|bench|tooling|examples)\/.*$/.exec(url);
  if (repo) return repo[0].slice(1);
  return url.replace(/^file:\/\//, '');
}

export function categoryOf(functionName: string, url: string): Category {
  if (functionName === '(garbage collector)') return 'gc';
  const where = shortUrl(url);
  if (where.startsWith('packages/core/') || where.startsWith('@idem/core/')) return 'idem';
  if (where.startsWith('packages/trpc/') || where.startsWith('@idem/trpc/')) return 'idem-trpc';
  if (where.startsWith('@trpc/')) return 'trpc';
  if (where.startsWith('bench/')) return 'bench';
  if (
    /^(pg|pg-[a-z]+|postgres-[a-z]+|better-sqlite3|ioredis|@ioredis\/|@redis\/|redis-|@node-idempotency\/|@aws-lambda-powertools\/|cluster-key-slot|denque)/.test(
      where,
    )
  )
    return 'driver';
  if (where.startsWith('node:') || url === '' || functionName.startsWith('(')) return 'node';
  return 'other';
}

export const CATEGORY_LABELS: Record<Category, string> = {
  idem: 'idem core (@idem/core)',
  'idem-trpc': 'idem middleware (@idem/trpc)',
  trpc: 'tRPC',
  driver: 'database and Redis drivers, peers',
  bench: 'the bench (router, business work)',
  node: 'Node.js, V8 (http, streams, timers, native)',
  gc: 'garbage collector',
  other: 'other packages',
};

const HUES: Record<Category, [number, number]> = {
  idem: [18, 85],
  'idem-trpc': [42, 90],
  trpc: [210, 60],
  driver: [120, 45],
  bench: [280, 40],
  node: [0, 0],
  gc: [350, 75],
  other: [180, 30],
};

/** better-sqlite3's native methods (Database and Statement), which have no script of their own in a profile. */
const SQLITE_NATIVES = new Set(['run', 'all', 'get', 'iterate', 'exec', 'prepare', 'pragma', 'transaction']);

/** The profile as a tree of frames (same function at the same place under the same caller merged), idle left out. */
export function frameTree(profile: CpuProfile): Frame {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map<number, number>();
  if (profile.samples && profile.samples.length > 0) {
    for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  } else {
    for (const n of profile.nodes) hits.set(n.id, n.hitCount ?? 0);
  }
  const childIds = new Set(profile.nodes.flatMap((n) => n.children ?? []));
  const root = profile.nodes.find((n) => !childIds.has(n.id));
  if (root === undefined) throw new Error('a CPU profile without a root');
  const build = (node: CpuProfileNode, callerCategory: Category): Frame => {
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName === '' ? '(anonymous)' : functionName;
    // TypeScript run through tsx has no line of its own in a profile (its positions are the transpiled code's).
    const where =
      url === '' ? '' : url.endsWith('.ts') ? shortUrl(url) : `${shortUrl(url)}:${lineNumber + 1}`;
    // A native function (no script) is V8's or Node's, but for better-sqlite3's statements, called straight from
    // whoever runs SQL: those are the driver's.
    const sqliteNative = url === '' && SQLITE_NATIVES.has(functionName) && callerCategory !== 'node';
    const frame: Frame = {
      name,
      where,
      category: sqliteNative ? 'driver' : categoryOf(functionName, url),
      self: hits.get(node.id) ?? 0,
      total: 0,
      children: [],
    };
    const merged = new Map<string, Frame>();
    for (const childId of node.children ?? []) {
      const child = byId.get(childId);
      if (child === undefined || child.callFrame.functionName === '(idle)') continue;
      const built = build(child, frame.category);
      const key = `${built.name}\u0000${built.where}`;
      const same = merged.get(key);
      if (same === undefined) merged.set(key, built);
      else mergeInto(same, built);
    }
    frame.children.push(...merged.values());
    frame.total = frame.self + frame.children.reduce((n, c) => n + c.total, 0);
    return frame;
  };
  const tree = build(root, 'node');
  tree.children.sort((a, b) => b.total - a.total);
  return tree;
}

function mergeInto(into: Frame, from: Frame): void {
  into.self += from.self;
  into.total += from.total;
  for (const child of from.children) {
    const same = into.children.find((c) => c.name === child.name && c.where === child.where);
    if (same === undefined) into.children.push(child);
    else mergeInto(same, child);
  }
}

/** Self samples added up per category, and per function (name and place), largest first. */
export function selfTime(tree: Frame): {
  byCategory: Map<Category, number>;
  byFunction: { name: string; where: string; category: Category; self: number }[];
} {
  const byCategory = new Map<Category, number>();
  const byFunction = new Map<string, { name: string; where: string; category: Category; self: number }>();
  const walk = (f: Frame) => {
    if (f.self > 0) {
      byCategory.set(f.category, (byCategory.get(f.category) ?? 0) + f.self);
      const key = `${f.name}\u0000${f.where}`;
      const entry = byFunction.get(key) ?? { name: f.name, where: f.where, category: f.category, self: 0 };
      entry.self += f.self;
      byFunction.set(key, entry);
    }
    for (const c of f.children) walk(c);
  };
  walk(tree);
  return { byCategory, byFunction: [...byFunction.values()].sort((a, b) => b.self - a.self) };
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function colour(f: Frame): string {
  const [hue, sat] = HUES[f.category];
  // A stable lightness per function, so neighbours of one colour stay apart.
  let h = 0;
  for (const ch of f.name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const light = f.category === 'node' ? 72 + (h % 14) : 55 + (h % 20);
  return `hsl(${hue}, ${sat}%, ${light}%)`;
}

export interface FlameOptions {
  readonly title: string;
  /** One line under the title: what was measured. */
  readonly subtitle: string;
  /** Requests answered while the profile ran, to turn samples into µs per request. */
  readonly requests: number;
  readonly width?: number;
}

/** The flame graph of a profile as an SVG document. */
export function renderFlameGraph(profile: CpuProfile, options: FlameOptions): string {
  const tree = frameTree(profile);
  const width = options.width ?? 1200;
  const rowH = 16;
  const samples = tree.total;
  const seconds = (profile.endTime - profile.startTime) / 1e6;
  const sampleUs =
    profile.samples && profile.samples.length > 0 ? (seconds * 1e6) / profile.samples.length : 0;
  const perRequest = (n: number) => (options.requests > 0 ? (n * sampleUs) / options.requests : 0);
  const scale = samples > 0 ? (width - 20) / samples : 0;
  const rects: { x: number; depth: number; w: number; f: Frame }[] = [];
  let maxDepth = 0;
  const place = (f: Frame, x: number, depth: number) => {
    const w = f.total * scale;
    if (w < 0.4) return;
    rects.push({ x, depth, w, f });
    maxDepth = Math.max(maxDepth, depth);
    let cx = x;
    for (const c of [...f.children].sort((a, b) => a.name.localeCompare(b.name))) {
      place(c, cx, depth + 1);
      cx += c.total * scale;
    }
  };
  place(tree, 10, 0);
  const { byCategory } = selfTime(tree);
  const legendRows = Math.ceil(Object.keys(CATEGORY_LABELS).length / 2);
  const top = 64 + legendRows * 18;
  const height = top + (maxDepth + 1) * rowH + 30;
  const yOf = (depth: number) => top + (maxDepth - depth) * rowH;
  const parts: string[] = [];
  for (const { x, depth, w, f } of rects) {
    const share = samples > 0 ? (f.total / samples) * 100 : 0;
    const name = depth === 0 ? 'all samples' : f.name;
    const tip = `${name}${f.where ? ` (${f.where})` : ''}: ${share.toFixed(2)} % of samples, ${perRequest(f.total).toFixed(1)} µs per request (self ${perRequest(f.self).toFixed(1)} µs)`;
    const chars = Math.floor((w - 6) / 6.6);
    const label = chars >= 3 ? (name.length > chars ? `${name.slice(0, chars - 1)}…` : name) : '';
    parts.push(
      `<g><title>${esc(tip)}</title><rect x="${x.toFixed(2)}" y="${yOf(depth)}" width="${w.toFixed(2)}" height="${rowH - 1}" rx="2" fill="${depth === 0 ? '#ddd' : colour(f)}"/>${label ? `<text x="${(x + 3).toFixed(2)}" y="${yOf(depth) + 11.5}">${esc(label)}</text>` : ''}</g>`,
    );
  }
  const legend = (Object.keys(CATEGORY_LABELS) as Category[]).map((c, i) => {
    const col = i % 2;
    const row = Math.floor(i / 2);
    const x = 10 + col * 600;
    const y = 56 + row * 18;
    const self = byCategory.get(c) ?? 0;
    const [hue, sat] = HUES[c];
    return `<rect x="${x}" y="${y - 11}" width="12" height="12" fill="hsl(${hue}, ${sat}%, ${c === 'node' ? 78 : 62}%)"/><text x="${x + 18}" y="${y}">${esc(CATEGORY_LABELS[c])}: ${samples > 0 ? ((self / samples) * 100).toFixed(1) : '0'} % self, ${perRequest(self).toFixed(0)} µs per request</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Verdana, sans-serif" font-size="11">`,
    '<rect width="100%" height="100%" fill="#fff"/>',
    `<text x="10" y="20" font-size="15" font-weight="bold">${esc(options.title)}</text>`,
    `<text x="10" y="38" fill="#444">${esc(options.subtitle)} — ${samples.toLocaleString('en')} samples of ${sampleUs.toFixed(0)} µs over ${seconds.toFixed(1)} s, ${options.requests.toLocaleString('en')} requests: ${perRequest(samples).toFixed(0)} µs of CPU per request (idle left out; hover a frame for its share)</text>`,
    ...legend,
    ...parts,
    `<text x="10" y="${height - 10}" fill="#666">Callers below, callees above; width is CPU time. Frames under 0.4 px are left out.</text>`,
    '</svg>',
    '',
  ].join('\n');
}
