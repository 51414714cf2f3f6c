/** What a subcommand is: its name and help, and the function that runs it. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}
