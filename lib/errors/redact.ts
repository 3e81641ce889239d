/**
 * Masks the credentials of every URL in `text` (`redis://user:pass@host` →
 * `redis://***@host`), for log lines and error messages built from a driver's error message.
 * Not exported from the package entry point; internal files import it from here.
 */
export function redactUrlCredentials(text: string): string {
  return text.replace(/\/\/[^@\s]*@/g, '//***@');
}
