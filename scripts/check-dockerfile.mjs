#!/usr/bin/env node
// Checks the Dockerfile's stages against package.json and its lockfile, with no Docker engine:
// the Node image satisfies `engines.node`; one stage runs `npm ci` and `npm run build`, another
// `npm ci --omit=dev` on the runtime's own base (native modules match the system they run on);
// install scripts run only for the packages `allowScripts` allows; the runtime runs `npm start`'s
// command as a non-root user, with a health check on /health/live.
//
//   node scripts/check-dockerfile.mjs      # exit 1 and one line per problem, or one line "ok"
//
// test/integration/containers.spec.ts runs these checks (and the config's ports and paths).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Reads a Dockerfile into its global ARGs and its stages, each a list of instructions with
 * continuation lines joined and comments dropped. Exec forms (`["node", "x"]`) are parsed.
 */
export function parseDockerfile(text) {
  const globalArgs = {};
  const stages = [];
  for (const { line, text: source } of logicalLines(text)) {
    const match = /^(\w+)\s*(.*)$/s.exec(source);
    if (!match) continue;
    const instruction = { keyword: match[1].toUpperCase(), line, ...splitFlags(match[2]) };
    if (instruction.keyword === 'FROM') {
      const [from, as, name] = instruction.rest.split(/\s+/);
      stages.push({ name: as?.toUpperCase() === 'AS' ? name : null, from, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword === 'ARG') Object.assign(globalArgs, parseArg(instruction.rest));
    } else {
      stages.at(-1).instructions.push(instruction);
    }
  }
  return { args: globalArgs, stages };
}

/** Every problem found, as sentences; none means the Dockerfile agrees with package.json. */
export function checkDockerfile({ dockerfile, packageJson, lockfile }) {
  const parsed = typeof dockerfile === 'string' ? parseDockerfile(dockerfile) : dockerfile;
  const { stages } = parsed;
  if (stages.length === 0) return ['the Dockerfile has no FROM'];
  const runtime = stages.at(-1);
  const problems = [];
  problems.push(...checkNodeImages(parsed, packageJson.engines?.node));

  const build = stages.find((stage) => runsNpm(stage, 'ci').some((args) => !args.includes('--omit=dev')) && runsNpm(stage, 'run', 'build').length > 0);
  if (!packageJson.scripts?.build) problems.push('package.json has no "build" script for the build stage to run');
  if (!build) problems.push('no stage runs `npm ci` and then `npm run build`');
  else if (!copiesFrom(runtime, build).some((source) => /^dist(\/|$)/.test(relativeTo(workdir(parsed, build), source)))) {
    problems.push(`the runtime stage copies nothing of dist from the build stage "${build.name}"`);
  }

  const prod = stages.find((stage) => runsNpm(stage, 'ci').some((args) => args.includes('--omit=dev')));
  if (!prod) problems.push('no stage runs `npm ci --omit=dev` for the runtime\'s node_modules');
  else {
    if (!copiesFrom(runtime, prod).some((source) => /node_modules\/?$/.test(source))) {
      problems.push(`the runtime stage does not copy node_modules from the prod stage "${prod.name}"`);
    }
    if (baseImage(parsed, prod) !== baseImage(parsed, runtime)) {
      problems.push(`the prod stage's base (${baseImage(parsed, prod)}) is not the runtime's (${baseImage(parsed, runtime)}): native modules would be built for another system`);
    }
  }
  for (const stage of stages) {
    if (stage !== prod && copiesFrom(runtime, stage).some((source) => /node_modules\/?$/.test(source))) {
      problems.push(`the runtime stage copies node_modules from "${stage.name}", which is not the --omit=dev stage`);
    }
  }

  problems.push(...checkInstallScripts(stages, prod, packageJson, lockfile));
  problems.push(...checkRuntime(parsed, runtime, packageJson));
  return problems;
}

/** The runtime stage's CMD, USER, HEALTHCHECK, EXPOSE and package.json. */
function checkRuntime(parsed, runtime, packageJson) {
  const problems = [];
  const cmd = last(runtime, 'CMD');
  const start = packageJson.scripts?.start;
  if (!cmd?.json) problems.push('the runtime stage has no CMD in exec form (["node", "…"])');
  else if (!start) problems.push('package.json has no "start" script');
  else if (cmd.json.join(' ') !== start.trim().split(/\s+/).join(' ')) {
    problems.push(`CMD ${JSON.stringify(cmd.json)} is not \`npm start\`'s command "${start}"`);
  }
  if (cmd?.json && packageJson.scripts?.['start:prod'] && cmd.json.join(' ') !== packageJson.scripts['start:prod'].trim().split(/\s+/).join(' ')) {
    problems.push(`CMD ${JSON.stringify(cmd.json)} is not \`npm run start:prod\`'s command`);
  }
  const user = last(runtime, 'USER')?.rest.split(':')[0];
  if (!user || user === 'root' || user === '0') problems.push('the runtime stage runs as root (no USER, or USER root)');
  const healthcheck = last(runtime, 'HEALTHCHECK');
  if (!healthcheck || !healthcheck.rest.includes('/health/live')) problems.push('the runtime stage has no HEALTHCHECK on /health/live');
  if (!last(runtime, 'EXPOSE')) problems.push('the runtime stage EXPOSEs no port');
  const copiesPackageJson = runtime.instructions.some((i) => i.keyword === 'COPY' && !i.flags.from && i.args.slice(0, -1).includes('package.json'));
  if (!copiesPackageJson) problems.push('the runtime stage does not copy package.json (the service finds its root and version by it)');
  const entry = cmd?.json?.find((arg) => arg.endsWith('.js'));
  if (entry && !runtimePaths(parsed, runtime).some((path) => entry === path || entry.startsWith(`${path}/`))) {
    problems.push(`CMD runs ${entry}, which no COPY into the runtime stage provides`);
  }
  return problems;
}

/**
 * package.json's `allowScripts` is npm 11's; the npm in a Node 20 image is older and would run
 * every install script. So every `npm ci` must pass --ignore-scripts, the prod stage must
 * rebuild exactly the allowed production packages that have install scripts, and no stage may
 * rebuild a package that is not allowed.
 */
function checkInstallScripts(stages, prod, packageJson, lockfile) {
  const problems = [];
  const allowed = new Set(Object.entries(packageJson.allowScripts ?? {}).filter(([, allow]) => allow === true).map(([name]) => name));
  for (const stage of stages) {
    for (const args of runsNpm(stage, 'ci')) {
      if (!args.includes('--ignore-scripts')) problems.push(`stage "${stage.name}": \`npm ci\` without --ignore-scripts runs install scripts package.json's allowScripts forbids`);
    }
    for (const name of rebuilt(stage)) {
      if (!allowed.has(name)) problems.push(`stage "${stage.name}" rebuilds ${name}, which package.json's allowScripts does not allow`);
    }
  }
  if (prod && lockfile) {
    const wanted = [...prodPackagesWithInstallScripts(lockfile)].filter((name) => allowed.has(name)).sort();
    const done = [...new Set(rebuilt(prod))].sort();
    if (wanted.join(' ') !== done.join(' ')) {
      problems.push(`the prod stage rebuilds [${done.join(', ')}], but the allowed production packages with install scripts are [${wanted.join(', ')}]`);
    }
  }
  return problems;
}

/** FROM node:<tag> must name a Node release that package.json's engines.node accepts. */
function checkNodeImages(parsed, engines) {
  if (!engines) return ['package.json has no engines.node'];
  const problems = [];
  const images = new Set(parsed.stages.map((stage) => baseImage(parsed, stage)).filter((image) => /^node(:|$)/.test(image)));
  if (images.size === 0) problems.push('no stage is based on a node image');
  for (const image of images) {
    const tag = image.split(':')[1] ?? '';
    const version = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-|$)/.exec(tag);
    if (!version) {
      problems.push(`${image} names no Node version: pin at least the major`);
      continue;
    }
    // A floating tag (node:20) follows the newest release with that prefix.
    const newest = [1, 2, 3].map((index) => (version[index] === undefined ? Infinity : Number(version[index])));
    const verdict = satisfies(newest, engines);
    if (verdict === null) problems.push(`cannot read engines.node "${engines}"`);
    else if (!verdict) problems.push(`${image} (Node ${tag.split('-')[0]}) does not satisfy engines.node "${engines}"`);
  }
  return problems;
}

/** A tiny reader of the ranges engines use: `^x.y.z`, `~x.y.z`, `>=x.y.z`, `<x.y.z`, `x.y.z`, joined by `||` and spaces. */
function satisfies(version, range) {
  const alternatives = range.split('||').map((part) => part.trim().split(/\s+/));
  let any = false;
  for (const comparators of alternatives) {
    let all = true;
    for (const comparator of comparators) {
      const match = /^(\^|~|>=|<=|>|<|=)?v?(\d+)\.(\d+)\.(\d+)$/.exec(comparator);
      if (!match) return null;
      const bound = [Number(match[2]), Number(match[3]), Number(match[4])];
      if (!comparatorHolds(match[1] ?? '=', bound, version)) all = false;
    }
    if (all) any = true;
  }
  return any;
}

function comparatorHolds(operator, bound, version) {
  const order = compare(version, bound);
  switch (operator) {
    case '^': return order >= 0 && compare(version, bound[0] > 0 ? [bound[0] + 1, 0, 0] : [0, bound[1] + 1, 0]) < 0;
    case '~': return order >= 0 && compare(version, [bound[0], bound[1] + 1, 0]) < 0;
    case '>=': return order >= 0;
    case '>': return order > 0;
    case '<=': return order <= 0;
    case '<': return order < 0;
    default: return order === 0;
  }
}

function compare(a, b) {
  for (let index = 0; index < 3; index++) if (a[index] !== b[index]) return a[index] < b[index] ? -1 : 1;
  return 0;
}

/** The image a stage finally stands on, following `FROM <earlier stage>`, with global ARGs expanded. */
export function baseImage(parsed, stage) {
  return expand(lineage(parsed, stage)[0].from, parsed.args);
}

/** The argument lists of `npm <command> [<sub>]` in a stage's RUN instructions. */
export function runsNpm(stage, command, sub) {
  const found = [];
  for (const instruction of stage.instructions.filter((i) => i.keyword === 'RUN')) {
    for (const part of instruction.rest.split(/&&|;|\|\|/)) {
      const words = part.trim().split(/\s+/);
      if (words[0] !== 'npm' || words[1] !== command || (sub !== undefined && words[2] !== sub)) continue;
      found.push(words.slice(sub === undefined ? 2 : 3));
    }
  }
  return found;
}

function rebuilt(stage) {
  return runsNpm(stage, 'rebuild').flatMap((args) => args.filter((arg) => !arg.startsWith('-')));
}

/** Production packages whose lockfile entry says they have an install script. */
function prodPackagesWithInstallScripts(lockfile) {
  const names = new Set();
  for (const [path, entry] of Object.entries(lockfile.packages ?? {})) {
    if (path === '' || !entry.hasInstallScript || entry.dev) continue;
    names.add(path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
  }
  return names;
}

/** The sources a stage copies from another one (`COPY --from=<stage>`). */
function copiesFrom(target, source) {
  return target.instructions
    .filter((i) => i.keyword === 'COPY' && source.name !== null && i.flags.from?.toLowerCase() === source.name.toLowerCase())
    .flatMap((i) => i.args.slice(0, -1));
}

/** Paths a stage's COPYs create, relative to its WORKDIR. */
export function runtimePaths(parsed, stage) {
  const dir = workdir(parsed, stage);
  return stage.instructions
    .filter((i) => i.keyword === 'COPY')
    .map((i) => relativeTo(dir, i.args.at(-1).replace(/\/$/, '')))
    .filter((path) => path !== '' && path !== '.');
}

/** A stage's working directory: its last WORKDIR, or the one of the stage it stands on. */
export function workdir(parsed, stage) {
  let dir = '/';
  for (const ancestor of lineage(parsed, stage)) {
    for (const instruction of ancestor.instructions.filter((i) => i.keyword === 'WORKDIR')) {
      dir = instruction.rest.startsWith('/') ? instruction.rest : `${dir.replace(/\/$/, '')}/${instruction.rest}`;
    }
  }
  return dir;
}

/**
 * A stage's environment as its instructions leave it (ENV, with ARG defaults and earlier
 * values expanded), the stages it stands on included; `base` is the image's own (PATH…).
 */
export function stageEnv(parsed, stage, base = {}) {
  const env = { ...base };
  for (const ancestor of lineage(parsed, stage)) {
    const args = { ...parsed.args };
    for (const instruction of ancestor.instructions) {
      if (instruction.keyword === 'ARG') Object.assign(args, parseArg(instruction.rest));
      if (instruction.keyword !== 'ENV') continue;
      for (const [, name, value] of instruction.rest.matchAll(/(\w+)=("[^"]*"|\S*)/g)) {
        env[name] = expand(value.replace(/^"(.*)"$/, '$1'), { ...env, ...args });
      }
    }
  }
  return env;
}

/** The stage and the earlier stages it is built FROM, the oldest first. */
function lineage(parsed, stage) {
  const chain = [stage];
  for (;;) {
    const from = expand(chain[0].from, parsed.args).toLowerCase();
    const parent = parsed.stages.find((candidate) => candidate.name?.toLowerCase() === from);
    if (!parent || chain.includes(parent)) return chain;
    chain.unshift(parent);
  }
}

function relativeTo(dir, path) {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  if (path.startsWith(prefix)) return path.slice(prefix.length);
  return path.replace(/^\.\//, '');
}

/** The last instruction of a kind in a stage itself. */
export function last(stage, keyword) {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1);
}

function expand(value, args) {
  return value.replace(/\$\{(\w+)(?::-([^}]*))?\}|\$(\w+)/g, (whole, braced, fallback, bare) => args[braced ?? bare] ?? fallback ?? whole);
}

function parseArg(rest) {
  const [name, ...value] = rest.split('=');
  return { [name.trim()]: value.join('=').trim().replace(/^"(.*)"$/, '$1') };
}

/** `--from=build --chown=a:b src dest` → flags, the words after them, and exec form when JSON. */
function splitFlags(rest) {
  const flags = {};
  let remaining = rest.trim();
  for (;;) {
    const match = /^--([\w-]+)(?:=(\S*))?\s*/.exec(remaining);
    if (!match) break;
    flags[match[1]] = match[2] ?? 'true';
    remaining = remaining.slice(match[0].length);
  }
  let json = null;
  const execForm = /^(?:CMD\s+)?(\[.*\])$/s.exec(remaining);
  if (execForm) {
    try {
      json = JSON.parse(execForm[1]);
    } catch {
      json = null;
    }
  }
  return { flags, rest: remaining, args: json ?? remaining.split(/\s+/).filter(Boolean), json };
}

/** Instructions with `\` continuations joined; comment lines (also inside continuations) dropped. */
function logicalLines(text) {
  const lines = [];
  let current = null;
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const continues = /\\$/.test(trimmed);
    const piece = continues ? trimmed.slice(0, -1).trim() : trimmed;
    if (current === null) current = { line: index + 1, text: piece };
    else current.text += ` ${piece}`;
    if (!continues) {
      lines.push(current);
      current = null;
    }
  });
  if (current !== null) lines.push(current);
  return lines;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const read = (name) => readFileSync(join(root, name), 'utf8');
  const problems = checkDockerfile({
    dockerfile: read('Dockerfile'),
    packageJson: JSON.parse(read('package.json')),
    lockfile: JSON.parse(read('package-lock.json')),
  });
  for (const problem of problems) console.error(`Dockerfile: ${problem}`);
  if (problems.length > 0) process.exit(1);
  console.log('Dockerfile: ok (stages agree with package.json and package-lock.json)');
}
