// The validation gate on a second thread, while the main thread renders the
// next environments.
//
// Validation is a fifth of a synth's time and looks at one environment at a
// time, after it has rendered. So each environment's objects go to a worker
// (build/validate-worker.js, app/fast/validate-worker.ts) as soon as the
// environment is rendered, and its problems are collected once every
// environment has rendered (lib/synth/pipeline.ts: a check's runEnvironment
// may return a function that waits). The worker runs lib/validate's own
// ValidationGate on the same objects, so the lines are the same as on the main
// thread; test/fast/validation-thread.test.ts compares both, violations
// included.
//
// The pipeline is synchronous, so the wait is too: the worker bumps a shared
// counter after each answer, and the main thread sleeps on it
// (Atomics.wait) and takes the answers off the port with
// receiveMessageOnPort. A blocked main thread hears no 'exit' event, so the
// worker also writes its state into the shared array (serving, ended). If the
// worker does not start within START_MS, ends, or says nothing for STALL_MS,
// the environments it still owes are validated here, on the main thread: the
// worker can cost time, never a result.
import * as fs from 'fs';
import * as path from 'path';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'worker_threads';
import type { CheckInput, EnvironmentCheckInput, EnvironmentProblems, SynthCheck } from '../../lib/synth/pipeline';
import { ValidationGate } from '../../lib/validate/synth-check';

/** The worker's launcher, next to the app's (scripts/bundle.js writes both). */
export const VALIDATE_WORKER = 'validate-worker.js';

/** One environment to validate. */
export interface ValidationJob {
  readonly env: string;
  readonly tier?: string;
  readonly objects: EnvironmentCheckInput['objects'];
}

/** The worker's answer for one environment. */
export interface ValidationReply {
  readonly env: string;
  readonly problems?: readonly string[];
  /** The worker threw (a bug in a rule): the stack, raised again on the main thread. */
  readonly error?: string;
}

/** What the worker is started with. */
export interface ValidationWorkerData {
  readonly port: MessagePort;
  /** Int32Array over a SharedArrayBuffer: [answers posted, {@link WorkerState}]; every change is notified on index 0. */
  readonly signal: Int32Array;
}

/** signal[1]: where the worker is. */
export const enum WorkerState {
  Starting = 0,
  Serving = 1,
  Ended = 2,
}

/** How long the main thread waits for a worker that has not started before validating the rest itself. */
const START_MS = 10_000;
/** How long the main thread waits without any answer from a serving worker before validating the rest itself. */
const STALL_MS = 60_000;
/** How often a waiting main thread looks at the clock. */
const POLL_MS = 100;

/**
 * The validation gate, run on a worker thread when `workerFile` exists
 * (a bundled build), else on the main thread exactly as ValidationGate.
 */
export class ValidationOnWorker implements SynthCheck {
  public readonly name = 'validate';
  private readonly inThread: ValidationGate;
  private readonly worker?: Worker;
  private readonly port?: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(8));
  private readonly replies = new Map<string, ValidationReply>();
  private readonly inputs = new Map<string, EnvironmentCheckInput>();
  private failed = false;
  private closed = false;

  constructor(
    private readonly tiers: (env: string) => string | undefined,
    workerFile: string,
    private readonly limits: { readonly startMs: number; readonly stallMs: number } = { startMs: START_MS, stallMs: STALL_MS },
  ) {
    this.inThread = new ValidationGate({ tiers });
    if (!fs.existsSync(workerFile)) return;
    try {
      const { port1, port2 } = new MessageChannel();
      const workerData: ValidationWorkerData = { port: port2, signal: this.signal };
      this.worker = new Worker(workerFile, { workerData, transferList: [port2], stdout: false, stderr: false });
      // Never what keeps the process alive: a failed synth exits without waiting for it.
      this.worker.unref();
      port1.unref();
      // Errors and exits are seen by polling threadId while waiting; a listener keeps them from being thrown as unhandled.
      this.worker.on('error', () => undefined);
      this.port = port1;
    } catch {
      this.worker = undefined;
    }
  }

  /** True when environments go to the worker (false: no bundled worker, or it failed). */
  public get threaded(): boolean {
    return this.worker !== undefined && !this.failed;
  }

  public run(input: CheckInput): readonly string[] {
    return this.inThread.run(input);
  }

  public runEnvironment(input: EnvironmentCheckInput): EnvironmentProblems {
    if (!this.threaded) return this.inThread.runEnvironment(input);
    this.inputs.set(input.env, input);
    const job: ValidationJob = { env: input.env, tier: this.tiers(input.env), objects: input.objects };
    try {
      this.port!.postMessage(job);
    } catch {
      // an object the structured clone refuses: this environment here, the rest still there
      this.inputs.delete(input.env);
      return this.inThread.runEnvironment(input);
    }
    return () => this.problemsOf(input.env);
  }

  /** Tells the worker, once, that no more environments come (it then writes its code cache and ends). */
  public close(): void {
    if (!this.threaded || this.closed) return;
    this.closed = true;
    try {
      this.port!.postMessage({ end: true });
    } catch {
      // gone already
    }
  }

  private problemsOf(env: string): readonly string[] {
    this.await(env);
    const reply = this.replies.get(env);
    if (this.inputs.size > 0 && [...this.inputs.keys()].every((e) => this.replies.has(e))) this.close();
    if (!reply) return this.inThread.runEnvironment(this.inputs.get(env)!);
    if (reply.error !== undefined) throw new Error(`validation failed on its worker thread for environment ${env}:\n${reply.error}`);
    return reply.problems ?? [];
  }

  /** Waits until the worker has answered for `env`, or has failed (then `failed` is set). */
  private await(env: string): void {
    let lastProgress = Date.now();
    const drain = (): boolean => {
      let any = false;
      for (let m = receiveMessageOnPort(this.port!); m; m = receiveMessageOnPort(this.port!)) {
        const reply = m.message as ValidationReply;
        this.replies.set(reply.env, reply);
        any = true;
      }
      return any;
    };
    while (!this.replies.has(env) && !this.failed) {
      const seen = Atomics.load(this.signal, 0);
      if (drain()) {
        lastProgress = Date.now();
        continue;
      }
      const state = Atomics.load(this.signal, 1) as WorkerState;
      const waited = Date.now() - lastProgress;
      if (state === WorkerState.Ended || (state === WorkerState.Starting && waited > this.limits.startMs) || waited > this.limits.stallMs) {
        drain(); // what it posted before it ended
        this.failed = true;
        break;
      }
      Atomics.wait(this.signal, 0, seen, POLL_MS);
    }
  }
}

/** The validation gate the app runs: on a worker next to `launcherDir`'s bundle, or here when `onThisThread` (the reference path, a single environment). */
export function validationGate(tiers: (env: string) => string | undefined, onThisThread: boolean, launcherDir: string): SynthCheck {
  return onThisThread ? new ValidationGate({ tiers }) : new ValidationOnWorker(tiers, path.join(launcherDir, VALIDATE_WORKER));
}
