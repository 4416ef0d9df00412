/** Every `repairity` subcommand module. Each area adds its one line. */
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

export const commandModules: RegisterCommand[] = [
];
