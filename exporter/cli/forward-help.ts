/**
 * forward's exit codes, listed once for the help and the code (lines that fit 80 columns); apart
 * from forward.ts, so the CLI loads no Kafka client to print its help.
 */
export const FORWARD_EXIT_HELP: readonly [number, readonly string[]][] = [
  [0, ["stopped by a signal after delivering what it had read"]],
  [1, ["bad options or config: nothing read"]],
  [2, ["internal error"]],
  [
    3,
    [
      "Kafka or the destination refused the forwarder (credential, grant,",
      "missing topic): fix it and start again; the group's offsets stop",
      "before the events not delivered",
    ],
  ],
];
