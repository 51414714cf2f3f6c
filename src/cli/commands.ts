/** Every subcommand, registered in the order `--help` lists them. */
