import { setTimeout as delay } from "node:timers/promises";

export const sleep = (ms: number): Promise<void> => delay(ms);

/** Rejects with "<what> took longer than <ms> ms" if `promise` does not settle in time. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
