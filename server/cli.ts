/**
 * The kubelive command line: one entry point, subcommands filled in by their own modules.
 */
const usage = `kubelive — keeps a Kubernetes dashboard's data fresh

Usage: kubelive <command> [options]

Commands:
  serve           start the backend and dashboard (default: on the embedded demo cluster)
  demo-cluster    run the embedded Kubernetes-API-compatible demo cluster on its own
  watch           print any resource's rows as kubectl get does, then every change (headless engine)
  diagnostics     print the diagnostics rows the dashboard shows, or follow their changes (headless engine)

Run 'kubelive <command> --help' for a command's options.`;

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  serve: async (argv) => (await import('./serve.js')).runServe(argv),
  'demo-cluster': async (argv) => (await import('../demo-cluster/cli.js')).runDemoCluster(argv),
  watch: async (argv) => (await import('./headless.js')).runWatch(argv),
  diagnostics: async (argv) => (await import('./headless.js')).runDiagnostics(argv),
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage);
    return 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    console.error(`kubelive: unknown command "${name}"\n\n${usage}`);
    return 2;
  }
  return command(rest);
}
