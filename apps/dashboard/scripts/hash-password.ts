// `npm run hash-password`: reads a password (typed without echo, or piped) and prints the scrypt hash to put in
// IDEM_DASHBOARD_USERS, so the environment never holds the password itself. It is read from standard input, not
// from the command line, to keep it out of shell history and process lists.
//
//   npm run -s hash-password                       # asks twice
//   printf '%s' "$PASSWORD" | npm run -s hash-password
import { stdin, stdout } from 'node:process';
import { hashPassword } from '../lib/password';

const MIN_LENGTH = 12;

async function readPiped(): Promise<string> {
  let text = '';
  for await (const chunk of stdin) text += String(chunk);
  return text.replace(/\r?\n$/, '');
}

function ask(prompt: string): Promise<string> {
  return new Promise((resolve) => {
    stdout.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let text = '';
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          stdin.off('data', onData);
          stdin.setRawMode(false);
          stdin.pause();
          stdout.write('\n');
          resolve(text);
          return;
        }
        if (ch === '\u0003') process.exit(130); // Ctrl-C
        if (ch === '\u007f') text = text.slice(0, -1);
        else text += ch;
      }
    };
    stdin.on('data', onData);
  });
}

const password = stdin.isTTY ? await ask('Password: ') : await readPiped();
if (stdin.isTTY && (await ask('Again: ')) !== password) {
  console.error('The two passwords differ; nothing was hashed.');
  process.exit(1);
}
if (password.length < MIN_LENGTH) {
  console.error(`A staff password needs ${MIN_LENGTH} characters or more.`);
  process.exit(1);
}
const hash = await hashPassword(password);
console.log(hash);
if (stdout.isTTY) {
  console.error(
    `\nPut it in IDEM_DASHBOARD_USERS as name:role:hash, in single quotes ($ is special to shells):`,
  );
  console.error(`  IDEM_DASHBOARD_USERS='ann:admin:${hash}'`);
}
