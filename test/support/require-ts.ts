/**
 * vitest setup: lets native `require` load TypeScript in the test workers, as tsx (the CLI) and
 * ts-node (`pulumi up`) do. The destination descriptors require their Pulumi components on first
 * deploy, so that loading a descriptor never loads Pulumi; under vitest that require is Node's own.
 */
import { register } from "tsx/cjs/api";

register();
