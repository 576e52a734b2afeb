/** The part of autocannon's programmatic API run 2b uses (the package ships no types). */
declare module 'autocannon' {
  interface AutocannonOptions {
    readonly url: string;
    readonly connections: number;
    /** Seconds. */
    readonly duration: number;
    readonly method: 'POST';
    readonly headers: Readonly<Record<string, string>>;
    readonly body: string;
    /** Seconds before a request counts as an error. */
    readonly timeout: number;
  }
  /** Runs the load; the result is what the CLI prints with `--json` (parsed with zod by the caller). */
  export default function autocannon(options: AutocannonOptions): PromiseLike<unknown>;
}
