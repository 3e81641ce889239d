const LOOPBACK_HOSTS = new Set(['localhost', '::1', '[::1]']);

/** Whether a host name is the loopback interface (`localhost`, `127.x.x.x`, `::1`). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}
