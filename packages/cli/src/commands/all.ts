// Every `chainfan` command, in the order --help and the configuration reference list them.
import type { Command } from './command.js';
import { devCommand } from './dev.js';
import { edgeCommand } from './edge.js';
import { ingestorCommand } from './ingestor.js';
import { simCommand } from './sim.js';
import { tailCommand } from './tail.js';

export const COMMANDS: readonly Command[] = [devCommand, ingestorCommand, edgeCommand, simCommand, tailCommand];
