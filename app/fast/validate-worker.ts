// The worker side of app/fast/validation-thread.ts, bundled by `npm run
// build:app` as build/validate-worker.js: validates each environment it is
// sent with lib/validate's ValidationGate and answers on the same port.
import { isMainThread, workerData } from 'worker_threads';
import { ValidationGate } from '../../lib/validate/synth-check';
import { WorkerState, type ValidationJob, type ValidationReply, type ValidationWorkerData } from './validation-thread';

/** Answers every job that arrives on `data.port` until told to end. */
export function serveValidation(data: ValidationWorkerData, markFullRun: () => void): void {
  const { port, signal } = data;
  const state = (s: WorkerState) => {
    Atomics.store(signal, 1, s);
    Atomics.notify(signal, 0);
  };
  // A main thread blocked in Atomics.wait hears no 'exit' event: it reads the state instead.
  process.once('exit', () => state(WorkerState.Ended));
  state(WorkerState.Serving);
  port.on('message', (msg: ValidationJob | { end: true }) => {
    if ('end' in msg) {
      // The code cache (app/fast/launch.js) is written when this thread ends, with everything a validation compiled.
      markFullRun();
      port.close();
      return;
    }
    let reply: ValidationReply;
    try {
      const gate = new ValidationGate({ tiers: () => msg.tier });
      reply = { env: msg.env, problems: [...gate.runEnvironment({ env: msg.env, objects: msg.objects, files: new Map() })] };
    } catch (e) {
      reply = { env: msg.env, error: (e as Error)?.stack ?? String(e) };
    }
    port.postMessage(reply);
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
  });
}

if (!isMainThread && (workerData as Partial<ValidationWorkerData> | null)?.port) {
  serveValidation(workerData as ValidationWorkerData, () => {
    (globalThis as Record<symbol, unknown>)[Symbol.for('launch.fullRun')] = true;
  });
}
