// What `prisma migrate diff --from-config-datasource --to-schema <schema> --script` prints, offline: Prisma's
// WebAssembly schema engine driven through driver adapters, so no native schema-engine binary (no download) is needed.
// Returns the SQL that would make the live database match the schema; '' when they already match.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
} from '@prisma/driver-adapter-utils';
import * as engineRuntime from '@prisma/schema-engine-wasm/schema_engine_bg';
import pg from 'pg';

export interface PrismaDiffOptions {
  /** The live database: postgres://… or file:/absolute/path.db (the file must exist). */
  url: string;
  /** A whole schema.prisma: datasource block (provider only, as in Prisma 7), generator if needed, models. */
  schema: string;
  /**
   * Tables the diff ignores, as prisma.config.ts's tables.external: schema-qualified on PostgreSQL
   * ('public.my_table'), bare on SQLite ('my_table'); the engine refuses the other spelling.
   */
  externalTables?: string[];
}

type SchemaEngineClass = typeof engineRuntime.SchemaEngine;

// No DOM lib here: the little of the WebAssembly API this needs.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, unknown>) => { exports: Record<string, unknown> };
};

// The wasm must be instantiated once per process: wasm-bindgen keeps module-level state in schema_engine_bg.js, and a
// second instance corrupts it. Kept on globalThis, since a test runner may evaluate this file once per test file while
// Node caches the engine's own module once per process.
const ENGINE_KEY = Symbol.for('idem.test.prismaSchemaEngine');
type EngineGlobal = typeof globalThis & {
  [ENGINE_KEY]?: SchemaEngineClass;
  PRISMA_WASM_PANIC_REGISTRY?: { message: string; set_message(message: string): void };
};
const engineGlobal = globalThis as EngineGlobal;

function schemaEngine(): SchemaEngineClass {
  // On a Rust panic the wasm calls PRISMA_WASM_PANIC_REGISTRY.set_message (the Prisma CLI defines it); without it the
  // panic surfaces as an unrelated TypeError.
  engineGlobal.PRISMA_WASM_PANIC_REGISTRY ??= {
    message: '',
    set_message(message) {
      this.message = message;
    },
  };
  let engine = engineGlobal[ENGINE_KEY];
  if (engine === undefined) {
    const runtimePath = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = readFileSync(join(dirname(runtimePath), 'schema_engine_bg.wasm'));
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
      './schema_engine_bg.js': engineRuntime,
    });
    engineRuntime.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    engine = engineRuntime.SchemaEngine;
    engineGlobal[ENGINE_KEY] = engine;
  }
  return engine;
}

// PostgreSQL's internal "char" type (OID 18), which the engine's catalog queries return (relkind, contype, …), is one
// adapter-pg cannot map: report it as text (OID 25). pg hands its values over as strings either way.
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

function describablePool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {});
  const query = pool.query.bind(pool) as (config: pg.QueryConfig) => Promise<pg.QueryResult>;
  // adapter-pg only calls pool.query(config) for promises; the dozen other overloads need no patching.
  Object.defineProperty(pool, 'query', {
    value: async (config: pg.QueryConfig) => {
      const result = await query(config);
      for (const field of result.fields ?? []) {
        if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
      }
      return result;
    },
  });
  return pool;
}

// The SQLite describer reads a partial index's predicate with a double-quoted string literal
// (`… AND name = "idx";`), which better-sqlite3's SQLite (built with SQLITE_DQS=0) takes for an unknown column.
const INDEX_SQL_QUERY =
  /^(SELECT sql FROM sqlite_master WHERE type = 'index' AND name = )"((?:[^"]|"")*)"(;?)$/;

function singleQuotingIndexNames(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const queryRaw = adapter.queryRaw.bind(adapter);
  adapter.queryRaw = (query: SqlQuery) =>
    queryRaw({
      ...query,
      sql: query.sql.replace(
        INDEX_SQL_QUERY,
        (_, head: string, name: string, end: string) =>
          `${head}'${name.replaceAll('""', '"').replaceAll("'", "''")}'${end}`,
      ),
    });
  return adapter;
}

/** The adapter factory for the URL, and what to close once the engine is done (it closes nothing itself). */
function adapterFactoryFor(url: string): {
  factory: SqlMigrationAwareDriverAdapterFactory;
  close: () => Promise<void>;
} {
  const opened: SqlDriverAdapter[] = [];
  const track = (adapter: SqlDriverAdapter) => {
    opened.push(adapter);
    return adapter;
  };
  const closeAdapters = async () => {
    await Promise.allSettled(opened.splice(0).map((adapter) => adapter.dispose()));
  };
  if (url.startsWith('file:')) {
    // fileMustExist: a wrong path fails instead of diffing against a new, empty database.
    const inner = new PrismaBetterSqlite3({ url, fileMustExist: true });
    return {
      factory: {
        provider: inner.provider,
        adapterName: inner.adapterName,
        connect: async () => singleQuotingIndexNames(track(await inner.connect())),
        connectToShadowDb: async () => track(await inner.connectToShadowDb()),
      },
      close: closeAdapters,
    };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const pool = describablePool(url);
    const inner = new PrismaPg(pool);
    return {
      factory: {
        provider: inner.provider,
        adapterName: inner.adapterName,
        connect: async () => track(await inner.connect()),
        // A database-to-schema diff needs no shadow database (and adapter-pg's would reuse the main one).
        connectToShadowDb: () =>
          Promise.reject(new Error('prismaDiff: no shadow database for a database-to-schema diff')),
      },
      close: async () => {
        await closeAdapters();
        await pool.end();
      },
    };
  }
  throw new Error(`prismaDiff: unsupported url (want postgres://… or file:/path.db): ${url}`);
}

/**
 * The SQL that would make the database at `url` match `schema` (a whole schema.prisma text); '' when in sync.
 *
 * @example
 * expect(await prismaDiff({ url: db.url, schema: 'datasource db {\n  provider = "postgresql"\n}\n' + models })).toBe('');
 */
export async function prismaDiff(options: PrismaDiffOptions): Promise<string> {
  const { url, schema, externalTables = [] } = options;
  // A provider that does not match the URL makes the engine panic (e.g. "AddPrimaryKey on SQLite"): refuse it first.
  const provider = /datasource\s+\w+\s*\{[^}]*?\bprovider\s*=\s*"([^"]+)"/.exec(schema)?.[1];
  const urlKind = url.startsWith('file:') ? 'sqlite' : 'postgresql';
  if ((provider === 'postgres' ? 'postgresql' : provider) !== urlKind) {
    throw new Error(
      `prismaDiff: the schema's datasource provider is ${provider ?? '(none)'}, the url is ${urlKind}`,
    );
  }
  const file = { path: join(process.cwd(), 'schema.prisma'), content: schema };
  const Engine = schemaEngine();
  if (engineGlobal.PRISMA_WASM_PANIC_REGISTRY) engineGlobal.PRISMA_WASM_PANIC_REGISTRY.message = '';
  const { factory, close } = adapterFactoryFor(url);
  const adapter = bindMigrationAwareSqlAdapterFactory(factory);
  const debug = process.env.PRISMA_DIFF_DEBUG
    ? (message: string) => console.error('[schema-engine]', message)
    : () => {};
  let engine: engineRuntime.SchemaEngine | undefined;
  try {
    engine = await Engine.new({ datamodels: [[file.path, file.content]] }, debug, adapter);
    // The live database comes from the adapter (`{ tag: 'url' }` is refused by this engine), as for
    // `migrate diff --from-config-datasource`.
    const result = await engine.diff({
      from: { tag: 'schemaDatasource', files: [file], configDir: process.cwd() },
      to: { tag: 'schemaDatamodel', files: [file] },
      script: true,
      // exitCode 2 <=> a non-empty diff (an empty one is still a script saying "-- This is an empty migration.").
      exitCode: true,
      filters: { externalTables, externalEnums: [] },
    });
    return result.exitCode === 2 ? (result.stdout ?? '') : '';
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    // A Rust panic surfaces as `RuntimeError: unreachable`; its message went to the panic registry.
    const panic = engineGlobal.PRISMA_WASM_PANIC_REGISTRY?.message;
    if (e.name === 'RuntimeError' && panic) {
      throw new Error(`prismaDiff: schema engine panic: ${panic}`, { cause: e });
    }
    // A JS error thrown inside the adapter reaches us as "External error id#N": fetch the original.
    const id = /External error id#(\d+)/.exec(e.message)?.[1];
    const original = id === undefined ? undefined : adapter.errorRegistry.consumeError(Number(id))?.error;
    if (original !== undefined) {
      const detail = original instanceof Error ? original.message : JSON.stringify(original);
      throw new Error(`${e.message.split('\n')[0]}: ${detail}`, { cause: original });
    }
    throw e;
  } finally {
    engine?.free();
    await close();
  }
}
