import * as fs from 'fs';
import { TEMP_ROOT_VAR } from './global-setup';

/** Removes the run's temp folder (global-setup.ts). */
export default function globalTeardown(): void {
  const temp = process.env[TEMP_ROOT_VAR];
  if (temp) fs.rmSync(temp, { recursive: true, force: true });
}
