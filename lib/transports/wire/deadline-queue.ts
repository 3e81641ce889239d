/** What the deadline queue holds: an exchange with its links. */
export interface Deadlined {
  /** When it expires, ms on the `Date.now()` clock (set by the queue). */
  deadline: number;
  previous: Deadlined | undefined;
  next: Deadlined | undefined;
  onDeadline(): void;
}

/**
 * The deadlines of a client's exchanges without a timer per exchange: every exchange gets the
 * same time limit, so deadlines come in the order exchanges start. They sit in a doubly linked
 * list in that order (O(1) to add and to remove on settling) and one unref'd timer is armed for
 * the oldest; when it fires it expires every exchange whose deadline passed and re-arms for the
 * next. (Unref'd: an exchange in flight always holds a socket or a connect attempt that keeps
 * the process alive.)
 */
export class DeadlineQueue {
  private head: Deadlined | undefined;
  private tail: Deadlined | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {}

  add(exchange: Deadlined): void {
    exchange.deadline = Date.now() + this.timeoutMs;
    exchange.previous = this.tail;
    if (this.tail !== undefined) this.tail.next = exchange;
    else this.head = exchange;
    this.tail = exchange;
    if (this.timer === undefined) this.arm(exchange.deadline);
  }

  remove(exchange: Deadlined): void {
    const { previous, next } = exchange;
    if (previous === undefined && this.head !== exchange) return; // not queued
    if (previous !== undefined) previous.next = next;
    else this.head = next;
    if (next !== undefined) next.previous = previous;
    else this.tail = previous;
    exchange.previous = exchange.next = undefined;
    if (this.head === undefined && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private arm(at: number): void {
    this.timer = setTimeout(() => this.expire(), Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  private expire(): void {
    this.timer = undefined;
    const now = Date.now();
    while (this.head !== undefined && this.head.deadline <= now) {
      const due = this.head;
      this.remove(due);
      due.onDeadline();
    }
    if (this.head !== undefined && this.timer === undefined) this.arm(this.head.deadline);
  }
}
