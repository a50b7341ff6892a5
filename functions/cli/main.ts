/**
 * `switchyard` (npm run cli -- …): the command-line client. It talks to the API over HTTP only;
 * this file picks the command, parses its flags with node:util parseArgs, and turns every failure
 * into one line on stderr and an exit code: 0 ok, 1 failed (API or network error), 2 wrong usage.
 */
import { parseArgs } from 'node:util';
import { CliError, UsageError, type Command, type Io, type Options } from './args.js';
import {
  clustersCommand,
  cordonCommand,
  drainCommand,
  queuesCommand,
  uncordonCommand,
} from './commands/clusters.js';
import { deliveriesCommand, hooksCommand } from './commands/hooks.js';
import { MAINTENANCE_COMMANDS } from './commands/maintenance.js';
import { cancelCommand, jobCommand, jobsCommand } from './commands/jobs.js';
import { logsCommand } from './commands/logs.js';
import { policyDiffCommand, policyGetCommand, policyPutCommand } from './commands/policy.js';
import { policyHistoryCommand, policyRollbackCommand } from './commands/policy-history.js';
import { policySimulateCommand } from './commands/policy-simulate.js';
import * as schedules from './commands/schedules.js';
import { explainCommand, submitCommand } from './commands/submit.js';
import { statusCommand } from './commands/status.js';
import { usageCommand } from './commands/usage.js';
import {
  signingKeysCommand,
  tokensCreateCommand,
  tokensListCommand,
  tokensRevokeCommand,
} from './commands/tokens.js';
import { DEFAULT_URL, resolveToken, resolveUrl } from './config.js';
import { ApiError, createClient, UnreachableError, type Client } from './http.js';

const COMMANDS: Command[] = [
  statusCommand,
  submitCommand,
  jobsCommand,
  jobCommand,
  cancelCommand,
  logsCommand,
  deliveriesCommand,
  explainCommand,
  clustersCommand,
  queuesCommand,
  usageCommand,
  cordonCommand,
  uncordonCommand,
  drainCommand,
  ...MAINTENANCE_COMMANDS,
  tokensListCommand,
  tokensCreateCommand,
  tokensRevokeCommand,
  signingKeysCommand,
  hooksCommand,
  policyGetCommand,
  policyPutCommand,
  policyDiffCommand,
  policyHistoryCommand,
  policyRollbackCommand,
  policySimulateCommand,
  schedules.schedulesListCommand,
  schedules.schedulesCreateCommand,
  schedules.schedulesDeleteCommand,
  schedules.schedulesSuspendCommand,
  schedules.schedulesResumeCommand,
];
const GROUPS = new Set(
  COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]!),
);

const GLOBAL_OPTIONS: Options = {
  url: { type: 'string' },
  token: { type: 'string' },
  output: { type: 'string', short: 'o' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const GLOBAL_HELP = `Global options:
  --url URL        the API (env SWITCHYARD_URL, default ${DEFAULT_URL})
  --token T        API token (env SWITCHYARD_TOKEN, else .switchyard/token as npm start writes)
  -o, --output F   table (default) or json: the API's JSON as it is
  --json           the same as -o json
  -h, --help       this help`;

function topUsage(commands = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return `Usage: switchyard COMMAND [options]   (npm run cli -- COMMAND …)

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}

${GLOBAL_HELP}

Run switchyard COMMAND --help for a command's options.`;
}

/** Runs one invocation and resolves its exit code; never throws. */
export async function main(argv: string[], env: NodeJS.ProcessEnv, cwd: string, io: Io) {
  let usage = topUsage();
  let helpCommand = 'switchyard --help';
  try {
    // 1. Find the command words: the first positional, and a group's subcommand after it.
    const loose = parseArgs({
      args: argv,
      options: GLOBAL_OPTIONS,
      strict: false,
      allowPositionals: true,
      tokens: true,
    });
    const words = loose.tokens.filter((t) => t.kind === 'positional');
    let [first, second] = words;
    if (first?.value === 'help') {
      argv = [...argv.filter((_, i) => i !== first!.index), '--help'];
      [first, second] = words.slice(1).map((w) => ({ ...w, index: w.index - 1 }));
    }
    const wantsHelp = loose.values.help === true || argv.includes('--help');
    if (!first) {
      if (wantsHelp) return help(io, usage);
      throw new UsageError('no command given');
    }
    const group = GROUPS.has(first.value) ? first.value : undefined;
    if (group) {
      usage = topUsage(COMMANDS.filter((c) => c.name.startsWith(`${group} `)));
      helpCommand = `switchyard ${group} --help`;
    }
    if (group && !second) {
      if (wantsHelp) return help(io, usage);
      throw new UsageError(`${group} needs a subcommand`);
    }
    const name = group ? `${group} ${second!.value}` : first.value;
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
    usage = `${command.usage}\n\n${GLOBAL_HELP}`;
    helpCommand = `switchyard ${command.name} --help`;

    // 2. Parse the rest strictly against the global and the command's options.
    const used = new Set([first.index, ...(group ? [second!.index] : [])]);
    const { values, positionals } = parseStrict(
      argv.filter((_, i) => !used.has(i)),
      {
        ...GLOBAL_OPTIONS,
        ...command.options,
      },
    );
    if (values.help) return help(io, usage);
    const output = values.json === true ? 'json' : values.output;
    if (output !== undefined && output !== 'json' && output !== 'table') {
      throw new UsageError('--output must be table or json');
    }
    if (values.json === true && values.output === 'table') {
      throw new UsageError('--json and --output table contradict each other; give one');
    }

    // 3. Run it; the client is built only when the command needs the API.
    let client: Client | undefined;
    const api = () =>
      (client ??= createClient({
        url: resolveUrl(values.url as string | undefined, env),
        token: resolveToken(values.token as string | undefined, env, cwd),
      }));
    const code = await command.run(
      { ...io, api, json: output === 'json', now: Date.now, cwd },
      values,
      positionals,
    );
    return code ?? 0;
  } catch (err) {
    return report(err, io, helpCommand);
  }
}

function help(io: Io, usage: string): number {
  io.out(usage);
  return 0;
}

function parseStrict(args: string[], options: Options) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (err) {
    // parseArgs' own messages name the flag; they carry an ERR_PARSE_ARGS_* code.
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError((err as Error).message.split('. ')[0]!);
    }
    throw err;
  }
}

/** One line per failure (an API error's bad fields follow it, indented), never a stack trace. */
function report(err: unknown, io: Io, helpCommand: string): number {
  if (err instanceof UsageError) {
    io.err(`error: ${err.message} (see ${helpCommand})`);
    return 2;
  }
  if (err instanceof ApiError) {
    let head = `error ${err.code}: ${err.message.replace(/\s*\n\s*/g, ' ')}`;
    if (err.code === 'UNAUTHENTICATED')
      head += ' (check --token, SWITCHYARD_TOKEN or .switchyard/token)';
    if (err.status >= 500 && err.requestId) head += ` (request id: ${err.requestId})`;
    const lines = [head];
    const fieldList = err.details?.fields;
    if (Array.isArray(fieldList)) {
      for (const f of fieldList as Array<{ path?: string; message?: string }>) {
        lines.push(`  ${f.path ?? '?'}: ${f.message ?? ''}`);
      }
    }
    io.err(lines.join('\n'));
    return 1;
  }
  if (err instanceof UnreachableError) {
    io.err(
      `error: ${err.message}; start the server with \`npm start\` in the Switchyard checkout, ` +
        'or point --url / SWITCHYARD_URL at a running one',
    );
    return 1;
  }
  if (err instanceof CliError) {
    io.err(`error: ${err.message}`);
    return 1;
  }
  io.err(
    `error: unexpected failure in the CLI: ${err instanceof Error ? err.message : String(err)}`,
  );
  return 1;
}

// Run when started as a program (tsx functions/cli/main.ts, or the switchyard.mjs shim).
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
});
process.exitCode = await main(process.argv.slice(2), process.env, process.cwd(), {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
});
