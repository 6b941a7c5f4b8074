// Types of check-dockerfile.mjs, for the tests that import it.

export interface DockerInstruction {
  /** FROM, RUN, COPY … (upper case). */
  keyword: string;
  /** Line of the Dockerfile where it starts. */
  line: number;
  /** `--name=value` flags before the arguments (`--from`, `--chown`, `--interval` …). */
  flags: Record<string, string>;
  /** The text after the flags, continuation lines joined. */
  rest: string;
  /** The words after the flags, or the exec form's list. */
  args: string[];
  /** The exec form (`["node", "x"]`), or null. */
  json: string[] | null;
}

export interface DockerStage {
  name: string | null;
  from: string;
  instructions: DockerInstruction[];
}

export interface ParsedDockerfile {
  /** ARGs before the first FROM, with their defaults. */
  args: Record<string, string>;
  stages: DockerStage[];
}

export interface PackageJsonLike {
  engines?: { node?: string };
  scripts?: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}

export interface LockfileLike {
  packages?: Record<string, { hasInstallScript?: boolean; dev?: boolean }>;
}

export function parseDockerfile(text: string): ParsedDockerfile;
export function checkDockerfile(input: { dockerfile: string | ParsedDockerfile; packageJson: PackageJsonLike; lockfile?: LockfileLike }): string[];
export function baseImage(parsed: ParsedDockerfile, stage: DockerStage): string;
export function runsNpm(stage: DockerStage, command: string, sub?: string): string[][];
export function runtimePaths(parsed: ParsedDockerfile, stage: DockerStage): string[];
export function workdir(parsed: ParsedDockerfile, stage: DockerStage): string;
export function stageEnv(parsed: ParsedDockerfile, stage: DockerStage, base?: Record<string, string>): Record<string, string>;
export function last(stage: DockerStage, keyword: string): DockerInstruction | undefined;
