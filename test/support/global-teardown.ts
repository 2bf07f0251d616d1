// Runs once after all suites: deletes the Redis keys this run's test files left under their
// namespaces (queues are obliterated by their files; cached predictions would otherwise live 24 h).
import { deleteKeysUnder, runNamespace } from "./redis";

export default async function globalTeardown(): Promise<void> {
  if (process.env.CAI_TEST_REDIS_SKIP) return;
  await deleteKeysUnder(`${runNamespace()}-`);
}
