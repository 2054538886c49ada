/**
 * A user's mistake (a wrong option, path, file or setting) is one message and exit 1, never a
 * stack trace; anything else is an internal error (exit 2, with the trace, in bin.cjs).
 */
import { SettingsError } from "../../components/config/settings";
import { FileError } from "../../components/config/yaml-file";
import { StackConfigError } from "../../stacks/config";
import { SpoolBusyError } from "../pipeline/spool";

/** A command used wrongly: exit 1 with the message, no stack trace. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Whether `err` is a user's mistake, reported by its message alone. */
export function isUserMistake(err: unknown): err is Error {
  return (
    err instanceof UsageError ||
    err instanceof FileError ||
    err instanceof SettingsError ||
    err instanceof SpoolBusyError ||
    err instanceof StackConfigError
  );
}
