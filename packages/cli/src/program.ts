// The command tree: names, arguments, options and help text, and which module does each command's work. Every
// command that talks to the admin API takes the same connection options; every command takes --json.
// A command's modules are imported when it runs: `idem migrate` never loads the tRPC client, `idem keys` never
// loads the database drivers, and `idem --help` loads neither (startup time is most of a CLI's latency).
import { createRequire } from 'node:module';
import type { StaffRole } from '@idem/admin';
import { Command, Option } from 'commander';
import type { AdminClient } from './admin-client.ts';
import type { FindOptions } from './commands/keys.ts';
import { type Connection, type ConnectionFlags, resolveConnection } from './connection.ts';
import type { CliEnv } from './env.ts';
import type { TargetFlags } from './key-target.ts';
import { durationIn, integerIn, nonBlank, time } from './options.ts';
import { createOutput, type OutStream, type Output } from './output.ts';

export interface ProgramContext {
  stdout: OutStream;
  stderr: OutStream;
  env: CliEnv;
  cwd: string;
}

/** What an action against the admin API works with. */
interface AdminCall {
  client: AdminClient;
  out: Output;
  connection: Connection;
}

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const KINDS = ['key', 'natural', 'unique'] as const;
const STATES = ['in_flight', 'completed', 'failed', 'expired'] as const;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

function withJson(command: Command): Command {
  return command.option('--json', 'print one JSON document for scripts: no colours, no progress bar');
}

function withConnection(command: Command): Command {
  return withJson(command)
    .option('--url <url>', "the app's tRPC endpoint (env IDEM_ADMIN_URL; default http://127.0.0.1:4000/trpc)")
    .option(
      '--path <path>',
      'where the app mounted the admin router (env IDEM_ADMIN_PATH; default idemAdmin)',
    )
    .option(
      '--token <token>',
      "the app's admin token (env IDEM_ADMIN_TOKEN, which keeps it out of shell history)",
    )
    .addOption(
      new Option(
        '--transformer <name>',
        "the app's tRPC transformer (env IDEM_ADMIN_TRANSFORMER; default superjson)",
      ).choices(['superjson', 'none']),
    )
    .option(
      '--actor <name>',
      'who is acting, for the audit log (env IDEM_ADMIN_ACTOR; default your user name)',
    )
    .addOption(
      new Option(
        '--role <role>',
        'the role to act in (env IDEM_ADMIN_ROLE; default support to read, admin to act)',
      ).choices(['admin', 'support']),
    );
}

/** --caller, --procedure, --kind: narrow a key that several callers or procedures used. */
function withTarget(command: Command): Command {
  return command
    .argument('<key-or-id>', 'the key as the client sent it, or its record id (from idem keys find)')
    .option('--caller <caller>', 'the caller (scope) the key belongs to', nonBlank)
    .option('--procedure <path>', 'the procedure the key was used on', nonBlank)
    .addOption(new Option('--kind <kind>', 'the kind of key (default key)').choices(KINDS));
}

export function buildProgram(context: ProgramContext): Command {
  const { env } = context;
  const outputFor = (options: { json?: boolean }): Output =>
    createOutput({ json: options.json === true, stdout: context.stdout, stderr: context.stderr, env });

  /**
   * An action against the admin API, in the role it needs by default; its failures become one-line CLI errors.
   * Commander passes the command last; its options and arguments are read from it.
   */
  const admin =
    (role: StaffRole, work: (api: AdminCall, command: Command) => Promise<void>) =>
    async (...args: unknown[]): Promise<void> => {
      const command = args.at(-1) as Command;
      const options = command.opts<ConnectionFlags & { json?: boolean }>();
      const connection = resolveConnection(options, env, role);
      const [{ adminClient }, { apiFailure }] = await Promise.all([
        import('./admin-client.ts'),
        import('./api-errors.ts'),
      ]);
      try {
        await work({ client: adminClient(connection), out: outputFor(options), connection }, command);
      } catch (error) {
        throw apiFailure(error, connection);
      }
    };
  const target = (command: Command): string => command.processedArgs[0] as string;
  const keysCommands = () => import('./commands/keys.ts');
  const overviewCommands = () => import('./commands/overview.ts');

  const program = new Command('idem')
    .description(
      "idem's support CLI: migrate idem's schema, and find, read, release, void and purge keys through your app's admin API.",
    )
    .version(version, '-v, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      // Commander writes to writeErr only help shown for a missing command (errors go through outputError):
      // that help goes to stdout, so stderr holds the one line saying what was wrong.
      writeErr: (text) => context.stdout.write(text),
      // Errors are printed once, in run(), as one line with an exit code of their own.
      outputError: () => {},
    })
    .showSuggestionAfterError(true);

  withJson(
    program
      .command('migrate')
      .description("create or upgrade idem's tables (safe on every deploy, from several processes at once)")
      .option(
        '--database <url>',
        'postgres://…, postgresql://…, file:/path/to.db or a .db path (env IDEM_DATABASE_URL, DATABASE_URL)',
      )
      .option('--schema <name>', "PostgreSQL: the schema idem's tables live in (created if missing)"),
  ).action(async (options: { database?: string; schema?: string; json?: boolean }) => {
    const { migrateCommand } = await import('./commands/migrate.ts');
    await migrateCommand(options, {
      databaseUrl: env.databaseUrl,
      cwd: context.cwd,
      out: outputFor(options),
    });
  });

  const keys = program.command('keys').description('find keys, read their story, release or void one');

  withConnection(
    keys
      .command('find')
      .description('find keys by key, prefix, caller, procedure, kind, state, natural id or creation time')
      .option('--key <key>', 'this exact key', nonBlank)
      .option('--prefix <text>', 'keys starting with this text', nonBlank)
      .option('--caller <caller>', 'keys of this caller (scope)', nonBlank)
      .option('--procedure <path>', 'keys of this procedure', nonBlank)
      .addOption(new Option('--kind <kind>', 'keys of this kind').choices(KINDS))
      .addOption(new Option('--state <state>', 'keys in this state').choices(STATES))
      .option('--natural-id <id>', 'keys carrying this natural id (external_id, execution_id…)', nonBlank)
      .option('--from <time>', 'created at or after: an ISO time (UTC) or a duration ago, as 2h', time)
      .option('--to <time>', 'created before: an ISO time (UTC) or a duration ago', time)
      .addOption(
        new Option('--order <order>', 'newest or oldest first')
          .choices(['newest', 'oldest'])
          .default('newest'),
      )
      .option('--limit <n>', 'keys per page, 1–200 (default 50)', integerIn(1, 200))
      .option('--cursor <cursor>', 'the next page, as the previous page printed it'),
  ).action(
    admin('support', async ({ client, out }, command) =>
      (await keysCommands()).findKeys(client, command.opts<FindOptions>(), out),
    ),
  );

  withConnection(
    withTarget(keys.command('show').description("a key's story: request, outcome, events, conflicts")),
  ).action(
    admin('support', async ({ client, out }, command) =>
      (await keysCommands()).showKey(client, target(command), command.opts<TargetFlags>(), out),
    ),
  );

  withConnection(
    withTarget(
      keys.command('release').description('end an in-flight key now, so a retry runs fresh (admin role)'),
    ),
  ).action(
    admin('admin', async ({ client, out }, command) =>
      (await keysCommands()).releaseKey(client, target(command), command.opts<TargetFlags>(), out),
    ),
  );

  withConnection(
    withTarget(
      keys
        .command('void')
        .description(
          "drop a completed or failed key's stored outcome, so the customer's retry runs fresh (admin role)",
        ),
    ).requiredOption('--reason <text>', 'why, for the audit log (3–500 characters)'),
  ).action(
    admin('admin', async ({ client, out }, command) =>
      (await keysCommands()).voidKey(
        client,
        target(command),
        command.opts<TargetFlags & { reason: string }>(),
        out,
      ),
    ),
  );

  withConnection(
    program
      .command('purge')
      .description('delete expired keys, following the purge until it ends (admin role)'),
  ).action(
    admin('admin', async ({ client, out, connection }) =>
      (await import('./commands/purge.ts')).purge(client, out, connection.actor),
    ),
  );

  withConnection(
    program
      .command('stats')
      .description('replays, conflicts, keys in flight and expiring: the overview')
      .option('--window <duration>', 'how far back, as 24h or 7d (default 24h)', durationIn(MINUTE, 31 * DAY))
      .option(
        '--bucket <duration>',
        'width of one step of the sparklines, as 1h (default 1h)',
        durationIn(1000, 31 * DAY),
      ),
  ).action(
    admin('support', async ({ client, out }, command) => {
      const { window, bucket } = command.opts<{ window?: number; bucket?: number }>();
      await (await overviewCommands()).stats(client, { windowMs: window, bucketMs: bucket }, out);
    }),
  );

  withConnection(
    program
      .command('whoami')
      .description('check the connection: who the app thinks is asking, on which store'),
  ).action(
    admin('support', async ({ client, out, connection }) =>
      (await overviewCommands()).whoami(client, connection, out),
    ),
  );

  return program;
}
